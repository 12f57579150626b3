/*
id: stg_cla_care_leavers_accommodation
description: >
  Whether care leavers' accommodation is considered suitable, by age group, for England, regions and local
  authorities. The 2025 release's la_care_leavers_accommodation_suitability (care_leaver_age, breakdown,
  care_leaver_count, care_leaver_percent; total row 'Suitability total') is joined by the 2024 release's
  national-only file national_care_leavers_by_whether_their_accommodation_is_suitable
  (accommodation_suitability, number, percentage; total row 'Total'; ages also given one year at a time).
raw: [la_care_leavers_accommodation_suitability,
      national_care_leavers_by_whether_their_accommodation_is_suitable]
columns: [care_leaver_age, breakdown, accommodation_suitability, care_leaver_count, care_leaver_percent,
          number, percentage]
measures: [care_leaver_count, care_leaver_percent, number, percentage]
*/
with unioned as (
    select * from raw.la_care_leavers_accommodation_suitability
    union all by name
    select * from raw.national_care_leavers_by_whether_their_accommodation_is_suitable
)

select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when cs_label(care_leaver_age) in ('17 to 18 years', 'aged 17 to 18') then '17_18'
        when cs_label(care_leaver_age) in ('19 to 21 years', 'aged 19 to 21') then '19_21'
    end as age_group,
    trim(care_leaver_age) as age_label,
    case cs_label(coalesce(breakdown, accommodation_suitability))
        when 'accommodation considered suitable' then 'suitable'
        when 'accommodation considered unsuitable' then 'unsuitable'
        when 'no information' then 'no_information'
        when 'suitability total' then 'total'
        when 'total' then 'total'
    end as measure,
    trim(coalesce(breakdown, accommodation_suitability)) as measure_label,
    coalesce(care_leaver_count, number) as care_leaver_count,
    coalesce(care_leaver_percent, percentage) as care_leaver_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from unioned
