/*
id: care_leavers_not_in_touch_pct
title: Care leavers aged 19 to 21 with whom the local authority is not in touch
short_title: Care leavers 19-21 not in touch
theme: leaving_care
unit: "%"
polarity: lower_is_better
decimals: 0
headline: false
order: 23
definition: >
  Of the care leavers now aged 19, 20 or 21 who were looked after for at least 13 weeks after their 14th
  birthday, including some time after their 16th birthday, the percentage with whom the local authority
  was not in touch around their birthday. Young people who refuse contact or no longer need services are
  counted separately by the publisher and are not included here.
numerator: care leavers aged 19 to 21 with whom the local authority is not in touch
denominator: all care leavers aged 19 to 21
sources: [stg_cla_in_touch]
source_files: [la_care_leavers_intouch.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with ages as (
    select * from staging.stg_cla_in_touch where age_group = '19_21'
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
from ages as m
left join ages as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.measure = 'total'
where m.measure = 'not_in_touch'
