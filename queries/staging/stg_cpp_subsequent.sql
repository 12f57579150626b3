/*
id: stg_cpp_subsequent
description: >
  Child protection plans starting in the year and those that were a second or subsequent plan for the
  child, by area (d3_cpps_subsequent_plan, 2025 release, 2013 onwards).
raw: [d3_cpps_subsequent_plan]
columns: [category, CPP_start, CPP_subsequent, CPP_subsequent_percent]
measures: [CPP_start, CPP_subsequent, CPP_subsequent_percent]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    trim(category) as category_label,
    CPP_start as cpp_start,
    CPP_subsequent as cpp_subsequent,
    CPP_subsequent_percent as cpp_subsequent_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.d3_cpps_subsequent_plan
