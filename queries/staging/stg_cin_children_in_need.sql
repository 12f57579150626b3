/*
id: stg_cin_children_in_need
description: >
  Children in need by area and year (b1_children_in_need, every release): episodes of need open on
  31 March and, up to the 2024 release, their rate per 10,000 children. The 2025 release dropped every
  *_rate column (and respelt Awaiting_assessment in lower case, which is not read here), so
  at31_episodes_rate is NULL in its rows.
raw: [b1_children_in_need]
columns: [category, At31_episodes, At31_episodes_rate]
measures: [At31_episodes, At31_episodes_rate]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    trim(category) as category_label,
    At31_episodes as at31_episodes,
    At31_episodes_rate as at31_episodes_rate,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.b1_children_in_need
