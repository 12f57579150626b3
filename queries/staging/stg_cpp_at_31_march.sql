/*
id: stg_cpp_at_31_march
description: >
  Children on a child protection plan at 31 March, by area. The 2024 release prints them, with their
  rate per 10,000 children, in d1_child_protection_plans; the 2025 release has no d1 file here and prints
  the count (no rate) in d5_cpps_at31march_by_duration, so cpp_at31_rate is NULL in its rows.
raw: [d1_child_protection_plans, d5_cpps_at31march_by_duration]
columns: [category, CPP_At31, CPP_At31_rate]
measures: [CPP_At31, CPP_At31_rate]
*/
with unioned as (
    select * from raw.d1_child_protection_plans
    union all by name
    select * from raw.d5_cpps_at31march_by_duration
)
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    trim(category) as category_label,
    CPP_At31 as cpp_at31,
    CPP_At31_rate as cpp_at31_rate,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from unioned
