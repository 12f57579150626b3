/*
id: ceased_returned_home_planned_pct
title: Children ceasing care who returned home as part of the care plan
short_title: Returned home (planned)
theme: leaving_care
unit: "%"
polarity: none
decimals: 0
headline: false
order: 2
definition: >
  Of the children who ceased to be looked after during the year ending 31 March, the percentage whose
  care ended because they returned home to live with parents or another person with parental
  responsibility as part of the care planning process.
numerator: children who returned home to parents (or others with parental responsibility) as planned
denominator: children who ceased to be looked after during the year
sources: [stg_cla_ceased]
source_files: [la_children_who_ceased_during_the_year.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with reasons as (
    select * from staging.stg_cla_ceased where cla_group = 'reason'
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
from reasons as m
left join reasons as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.measure = 'total'
where m.measure = 'returned_home_planned'
