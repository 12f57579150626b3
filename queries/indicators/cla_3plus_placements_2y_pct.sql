/*
id: cla_3plus_placements_2y_pct
title: Children looked after at 31 March with 3 or more placements over the previous 2 years
short_title: 3+ placements in 2 years
theme: placements
unit: "%"
polarity: lower_is_better
decimals: 0
headline: false
order: 3
definition: >
  Of the children looked after on 31 March who had also spent at least one day in care in the previous
  year ending 31 March (the publisher's "CLA 2 years on 31 March" group), the percentage who had three or
  more separate placements during those two years. First published in the 2023 release (from 2019).
numerator: children in the two-year group with 3 or more placements in the two years
denominator: children looked after on 31 March who were also looked after during the previous year
sources: [stg_cla_placement_stability]
source_files: [la_cla_placement_stability.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with cohort as (
    select * from staging.stg_cla_placement_stability where cohort = 'cla_2_years'
)

select
    m.time_period,
    m.geographic_level,
    m.area_code,
    m.area_name,
    'Total' as breakdown,
    cs_num(m.children_percent) as value,
    cs_status(m.children_percent) as status,
    cs_num(m.children_count) as numerator,
    cs_num(t.children_count) as denominator,
    m.release
from cohort as m
left join cohort as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.measure = 'total'
where m.measure = 'three_plus_in_2_years'
