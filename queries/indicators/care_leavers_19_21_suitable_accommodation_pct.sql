/*
id: care_leavers_19_21_suitable_accommodation_pct
title: Care leavers aged 19 to 21 in suitable accommodation
short_title: Care leavers 19-21 suitably housed
theme: leaving_care
unit: "%"
polarity: higher_is_better
decimals: 0
headline: false
order: 21
definition: >
  Of the care leavers now aged 19, 20 or 21 who were looked after for at least 13 weeks after their 14th
  birthday, including some time after their 16th birthday, the percentage whose accommodation the local
  authority considered suitable, as recorded around their birthday.
numerator: care leavers aged 19 to 21 in accommodation considered suitable
denominator: all care leavers aged 19 to 21 (including those with no information)
sources: [stg_cla_care_leavers_accommodation]
source_files: [la_care_leavers_accommodation_suitability.csv,
               national_care_leavers_by_whether_their_accommodation_is_suitable.csv]
method: published
method_note: >
  The percentage as published; numerator and denominator are the published counts. England's years
  before the first year of the 2025 local authority file come from the 2024 release's national file.
*/
with ages as (
    select * from staging.stg_cla_care_leavers_accommodation where age_group = '19_21'
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
where m.measure = 'suitable'
