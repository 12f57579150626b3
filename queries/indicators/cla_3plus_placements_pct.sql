/*
id: cla_3plus_placements_pct
title: Children looked after at 31 March with 3 or more placements during the year
short_title: 3+ placements in the year
theme: placements
unit: "%"
polarity: lower_is_better
decimals: 0
headline: true
order: 1
definition: >
  Of the children looked after on 31 March, the percentage who had three or more separate placements
  during the year ending 31 March (the short-term placement stability measure).
numerator: children looked after on 31 March with 3 or more placements in the year
denominator: all children looked after on 31 March
sources: [stg_cla_placement_stability]
source_files: [la_cla_placement_stability.csv, la_cla_at_31_march_placement_stability_indicator.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with cohort as (
    select * from staging.stg_cla_placement_stability where cohort = 'cla_31_march'
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
where m.measure = 'three_plus_in_year'
