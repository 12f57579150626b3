/*
id: stg_cla_care_leavers_activity
description: >
  Activity (education, employment or training) of care leavers aged 17-18 and 19-21 by area. The 2025
  release renamed age/activity to care_leaver_age/breakdown (keeping "19 to 21 years" style labels where
  2024 said "Aged 19 to 21") and number/percentage to care_leaver_count/care_leaver_percent.
raw: [la_care_leavers_activity]
columns: [age, activity, care_leaver_age, breakdown, number, percentage, care_leaver_count, care_leaver_percent]
measures: [number, percentage, care_leaver_count, care_leaver_percent]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when cs_label(coalesce(care_leaver_age, age)) in ('17 to 18 years', 'aged 17 to 18') then '17_18'
        when cs_label(coalesce(care_leaver_age, age)) in ('19 to 21 years', 'aged 19 to 21') then '19_21'
    end as age_group,
    trim(coalesce(care_leaver_age, age)) as age_label,
    cs_label(coalesce(breakdown, activity)) as activity_key,
    trim(coalesce(breakdown, activity)) as activity_label,
    coalesce(care_leaver_count, number) as care_leaver_count,
    coalesce(care_leaver_percent, percentage) as care_leaver_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_care_leavers_activity
