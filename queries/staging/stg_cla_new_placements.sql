/*
id: stg_cla_new_placements
description: >
  Placements that started during the year by where they are (inside or outside the LA boundary, less or
  more than 20 miles from home) and placement changes by reason, by area and year (file
  la_cla_during_year_new_placements, 2025 release, 2021-2025). characteristic names the table ("Location
  of new placements during the year", "Reason for placement change during the year"); breakdown the row.
raw: [la_cla_during_year_new_placements]
columns: [characteristic, breakdown, children_count, children_percent]
measures: [children_count, children_percent]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when cs_label(characteristic) like 'location of new placements%' then 'location'
        when cs_label(characteristic) like 'reason for placement change%' then 'reason_for_change'
    end as table_key,
    trim(characteristic) as table_label,
    case cs_label(breakdown)
        when 'total new placements' then 'total'
        when 'placed inside la boundary less than 20 miles from home' then 'inside_le_20'
        when 'placed inside la boundary more than 20 miles from home' then 'inside_over_20'
        when 'placed outside la boundary less than 20 miles from home' then 'outside_le_20'
        when 'placed outside la boundary more than 20 miles from home' then 'outside_over_20'
        when 'distance not known or not recorded' then 'not_known'
    end as location,
    cs_label(breakdown) as breakdown_key,
    trim(breakdown) as breakdown_label,
    children_count,
    children_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_cla_during_year_new_placements
