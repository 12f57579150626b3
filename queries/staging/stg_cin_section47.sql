/*
id: stg_cin_section47
description: >
  Section 47 enquiries and initial child protection conferences starting in the year, by area
  (c4_children_in_need_section_47s_and_icpcs, 2025 release, 2013 onwards).
raw: [c4_children_in_need_section_47s_and_icpcs]
columns: [category, Section47, Section47_child, ICPC, ICPC_child]
measures: [Section47, Section47_child, ICPC, ICPC_child]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    trim(category) as category_label,
    Section47 as section47_count,
    Section47_child as section47_child_count,
    ICPC as icpc_count,
    ICPC_child as icpc_child_count,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.c4_children_in_need_section_47s_and_icpcs
