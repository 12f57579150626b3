/*
id: cla_substance_misuse_pct
title: Children looked after for 12 months identified with a substance misuse problem
short_title: Children looked after for 12 months identified with a substance misuse problem
theme: education
unit: "%"
polarity: lower_is_better
decimals: 0
order: 50
definition: >
  Of the children in the return's OC2 table (looked after continuously for at least 12 months on 31 March), the percentage identified as having a substance misuse problem during the year (SUBSTANCE_MISUSE = 1).
numerator: children with SUBSTANCE_MISUSE 1
denominator: children in the OC2 table
sources: [ssda903.oc2]
source_files: [oc2.csv]
method: derived
method_note: >
  The DfE's outcome measure from the OC2 table. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where substance_misuse = '1')) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where substance_misuse = '1'))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from ssda903.oc2
where return_year = $year
