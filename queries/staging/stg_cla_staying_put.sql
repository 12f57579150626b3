/*
id: stg_cla_staying_put
description: >
  Care leavers who ceased to be looked after in a foster placement on their 18th birthday and were eligible
  for care leaver support, and how many of them still live with their former foster carers ("staying put"),
  at age 18 and at 19 to 20, for England, regions and local authorities (file la_care_leavers_stayput).
raw: [la_care_leavers_stayput]
columns: [age, stay_put, number, percentage]
measures: [number, percentage]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case cs_label(age)
        when 'aged 18' then '18'
        when 'aged 19 to 20' then '19_20'
    end as age_group,
    trim(age) as age_label,
    case
        when cs_label(stay_put) like 'total living with former foster carers%' then 'staying_put'
        when cs_label(stay_put) like 'young people who ceased to be looked after in a foster placement%'
            then 'eligible'
    end as measure,
    trim(stay_put) as measure_label,
    number as care_leaver_count,
    percentage as care_leaver_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_care_leavers_stayput
