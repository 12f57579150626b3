/*
id: cla_uasc_count
title: Unaccompanied asylum-seeking children looked after at 31 March
short_title: Unaccompanied asylum-seeking children looked after at 31 March
theme: children_in_care
unit: "count"
polarity: none
decimals: 0
order: 50
definition: >
  From the council's own return: the children looked after on 31 March who have a row in the UASC table whose date UASC status ceased (DUC) is blank or after 31 March.
numerator: unaccompanied asylum-seeking children looked after on 31 March
denominator: none
sources: [ssda903.at_year_end, ssda903.uasc]
source_files: [episodes.csv, uasc.csv]
method: derived
method_note: >
  As the DfE counts UASC from the SSDA903 return. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    (count(*))::double as value,
    null as status,
    (count(*))::double as numerator,
    null::double as denominator,
    $release as release
from ssda903.at_year_end as y
where y.return_year = $year and exists (select 1 from ssda903.uasc as u where u.return_year = y.return_year and u.child = y.child and (u.duc is null or u.duc > make_date($year, 3, 31)))
