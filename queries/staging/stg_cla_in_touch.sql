/*
id: stg_cla_in_touch
description: >
  Whether the local authority is in touch with its care leavers aged 17 to 18 and 19 to 21, for England,
  regions and local authorities (file la_care_leavers_intouch): in touch, not in touch, the young person
  refuses contact, or no longer requires services, with the total.
raw: [la_care_leavers_intouch]
columns: [age, in_touch, number, percentage]
measures: [number, percentage]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when cs_label(age) in ('aged 17 to 18', '17 to 18 years') then '17_18'
        when cs_label(age) in ('aged 19 to 21', '19 to 21 years') then '19_21'
    end as age_group,
    trim(age) as age_label,
    case cs_label(in_touch)
        when 'local authority in touch with care leaver' then 'in_touch'
        when 'local authority not in touch with care leaver' then 'not_in_touch'
        when 'young person refuses contact' then 'refuses_contact'
        when 'young person no longer requires services' then 'no_longer_requires_services'
        when 'total' then 'total'
    end as measure,
    trim(in_touch) as measure_label,
    number as care_leaver_count,
    percentage as care_leaver_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_care_leavers_intouch
