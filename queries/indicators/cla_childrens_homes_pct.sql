/*
id: cla_childrens_homes_pct
title: Children looked after at 31 March who were in secure homes or children's homes
short_title: In children's homes
theme: placements
unit: "%"
polarity: none
decimals: 0
headline: false
order: 5
definition: >
  Of the children looked after on 31 March, the percentage placed in a secure children's home or in a
  children's home subject to the Children's Homes Regulations, inside or outside the council boundary
  (placement "4. Total secure homes and children's homes"). England only.
numerator: children looked after on 31 March in secure homes or children's homes
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
where m.characteristic_key = '4. total secure homes and children''s homes'
