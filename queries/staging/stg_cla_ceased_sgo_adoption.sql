/*
id: stg_cla_ceased_sgo_adoption
description: >
  Children who ceased to be looked after during the year because they were adopted or because a special
  guardianship order was made, by area and year (file la_children_who_ceased_during_the_year_sgo_adoption,
  2024 release, 2020-2024). cla_group names the route (Adopted, Special guardianship orders) and
  characteristic the detail, with a Total row for each route.
raw: [la_children_who_ceased_during_the_year_sgo_adoption]
columns: [cla_group, characteristic, number, percentage]
measures: [number, percentage]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when cs_label(cla_group) = 'adopted' then 'adopted'
        when cs_label(cla_group) = 'special guardianship orders' then 'sgo'
    end as route,
    trim(cla_group) as route_label,
    cs_label(characteristic) as characteristic_key,
    trim(characteristic) as characteristic_label,
    number,
    percentage,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_children_who_ceased_during_the_year_sgo_adoption
