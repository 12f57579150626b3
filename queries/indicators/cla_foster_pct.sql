/*
id: cla_foster_pct
title: Children looked after at 31 March who were in foster placements
short_title: In foster care
theme: placements
unit: "%"
polarity: none
decimals: 0
headline: false
order: 4
definition: >
  Of the children looked after on 31 March, the percentage in a foster placement, with relatives or friends
  or with other foster carers, inside or outside the council boundary (placement "1. Total foster
  placements"). England only.
numerator: children looked after on 31 March in foster placements
denominator: all children looked after on 31 March
sources: [stg_cla_characteristics]
source_files: [national_cla_on_31_march_by_characteristics.csv]
method: published
method_note: >
  The percentage as published; numerator and denominator are the published counts. England only: the
  local authority file with placement types is not among the inputs.
*/
with placement as (
    select * from staging.stg_cla_characteristics where group_key = 'placement'
)

select
    m.time_period,
    m.geographic_level,
    m.area_code,
    m.area_name,
    'Total' as breakdown,
    cs_num(m.percentage) as value,
    cs_status(m.percentage) as status,
    cs_num(m.number) as numerator,
    cs_num(t.number) as denominator,
    m.release
from placement as m
left join placement as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.characteristic_key = 'total children'
where m.characteristic_key = '1. total foster placements'
