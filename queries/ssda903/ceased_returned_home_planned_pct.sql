/*
id: ceased_returned_home_planned_pct
title: Children ceasing to be looked after who returned home as planned
short_title: Children ceasing to be looked after who returned home as planned
theme: leaving_care
unit: "%"
polarity: none
decimals: 0
order: 50
definition: >
  Of the children who ceased to be looked after during the year (cla_ceasing: each child once, at their last ceasing episode), the percentage whose last ceasing episode ended returned home to live with parents or others with parental responsibility as part of the care planning process (REC E4A).
numerator: children whose last ceasing episode has REC in ('E4A')
denominator: children who ceased to be looked after during the year
sources: [ssda903.ceased]
source_files: [episodes.csv]
method: derived
method_note: >
  As the DfE derives reasons for ceasing from the SSDA903 return. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where rec in ('E4A'))) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where rec in ('E4A')))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from ssda903.ceased
where return_year = $year
