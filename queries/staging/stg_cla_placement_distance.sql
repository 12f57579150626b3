/*
id: stg_cla_placement_distance
description: >
  Children looked after at 31 March in England by the distance between home and placement (20 miles or
  less, over 20 miles, not known) and whether the placement is inside the council boundary, for all
  children and by placement type (file national_cla_on_31_march_by_placement_distance_and_placement_
  locality, 2024 release, 2020-2024; national rows only). cla_group is the placement type ("All children"
  for everyone); distance is keyed without the publisher's numbering ("1. 20 miles or less" -> le_20,
  "2. Over 20 miles" -> over_20, "2.ii Over 20 miles outside LA boundary" -> over_20_outside).
raw: [national_cla_on_31_march_by_placement_distance_and_placement_locality]
columns: [cla_group, characteristic, number, percentage]
measures: [number, percentage]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    cs_label(cla_group) as placement_key,
    trim(cla_group) as placement_label,
    case cs_label(characteristic)
        when 'total' then 'total'
        when '1. 20 miles or less' then 'le_20'
        when '1.i 20 miles or less inside la boundary' then 'le_20_inside'
        when '1.ii 20 miles or less outside la boundary' then 'le_20_outside'
        when '2. over 20 miles' then 'over_20'
        when '2.i over 20 miles inside la boundary' then 'over_20_inside'
        when '2.ii over 20 miles outside la boundary' then 'over_20_outside'
        when 'distance not known or not recorded' then 'not_known'
    end as distance,
    trim(characteristic) as distance_label,
    number,
    percentage,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.national_cla_on_31_march_by_placement_distance_and_placement_locality
