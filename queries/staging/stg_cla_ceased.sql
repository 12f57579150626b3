/*
id: stg_cla_ceased
description: >
  Children who ceased to be looked after during the year ending 31 March, by age on ceasing, reason the
  episode ceased and gender, for England, regions and local authorities (file
  la_children_who_ceased_during_the_year). Each row is one group (cla_group) and one category of it
  (characteristic); the group's 'Total' row is the number who ceased. The national-only file of the same
  release repeats the national rows with other labels and is not read.
raw: [la_children_who_ceased_during_the_year]
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
        when cs_label(cla_group) = 'age on ceasing' then 'age'
        when cs_label(cla_group) = 'reason episode ceased' then 'reason'
        when cs_label(cla_group) = 'gender' then 'gender'
    end as cla_group,
    case
        when cs_label(characteristic) = 'total' then 'total'
        when cs_label(cla_group) <> 'reason episode ceased' then null
        when cs_label(characteristic) = 'adopted' then 'adopted'
        when cs_label(characteristic) like 'special guardianship order%' then 'sgo'
        when cs_label(characteristic) = 'returned home to live with parents or other person with parental '
            || 'responsibility which was part of the care planning process' then 'returned_home_planned'
        when cs_label(characteristic) = 'returned home to live with parents or other person with parental '
            || 'responsibility which was not part of the care planning process' then 'returned_home_unplanned'
    end as measure,
    trim(cla_group) as group_label,
    trim(characteristic) as category_label,
    number as children_count,
    percentage as children_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_children_who_ceased_during_the_year
