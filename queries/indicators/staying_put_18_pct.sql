/*
id: staying_put_18_pct
title: Care leavers aged 18 staying put with their former foster carers
short_title: Staying put at 18
theme: leaving_care
unit: "%"
polarity: higher_is_better
decimals: 0
headline: false
order: 22
definition: >
  Of the young people who ceased to be looked after in a foster placement on their 18th birthday and were
  eligible for care leaver support, the percentage still living with their former foster carers
  ("staying put") at age 18.
numerator: care leavers aged 18 still living with their former foster carers
denominator: young people who ceased to be looked after in a foster placement on their 18th birthday
sources: [stg_cla_staying_put]
source_files: [la_care_leavers_stayput.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with aged_18 as (
    select * from staging.stg_cla_staying_put where age_group = '18'
)

select
    m.time_period,
    m.geographic_level,
    m.area_code,
    m.area_name,
    'Total' as breakdown,
    cs_num(m.care_leaver_percent) as value,
    cs_status(m.care_leaver_percent) as status,
    cs_num(m.care_leaver_count) as numerator,
    cs_num(t.care_leaver_count) as denominator,
    m.release
from aged_18 as m
left join aged_18 as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.measure = 'eligible'
where m.measure = 'staying_put'
