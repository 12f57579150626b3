/*
id: care_leavers_17_18_eet_pct
title: Care leavers aged 17 to 18 in education, employment or training
short_title: Care leavers 17-18 in EET
theme: leaving_care
unit: "%"
polarity: higher_is_better
decimals: 0
headline: true
order: 19
definition: >
  Of the care leavers now aged 17 or 18 who were looked after for at least 13 weeks after their 14th
  birthday, including some time after their 16th birthday, the percentage in education, employment or
  training, as recorded around their birthday.
numerator: care leavers aged 17 to 18 in education, employment or training
denominator: all care leavers aged 17 to 18 (including those whose activity is not known)
sources: [stg_cla_care_leavers_activity]
source_files: [la_care_leavers_activity.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with ages as (
    select * from staging.stg_cla_care_leavers_activity where age_group = '17_18'
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
    and t.area_code = m.area_code and t.activity_key = 'total'
where m.activity_key = 'total in education, employment or training'
