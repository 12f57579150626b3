/*
id: cla_missing_children
title: Children looked after who went missing during the year
short_title: Children looked after who went missing during the year
theme: missing
unit: "count"
polarity: lower_is_better
decimals: 0
order: 50
definition: >
  From the council's own return: the children with a row in the missing table with MISSING = M (missing, not away without authorisation) whose MIS_START falls in the year; each child counted once.
numerator: children with a missing episode starting in the year
denominator: none
sources: [ssda903.missing]
source_files: [missing.csv]
method: derived
method_note: >
  As the DfE counts children who went missing from the SSDA903 return. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    (count(distinct child))::double as value,
    null as status,
    (count(distinct child))::double as numerator,
    null::double as denominator,
    $release as release
from ssda903.missing
where return_year = $year and missing = 'M' and mis_start between make_date($year - 1, 4, 1) and make_date($year, 3, 31)
