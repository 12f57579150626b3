/*
id: stg_ks4
description: >
  Key stage 4 (GCSE) attainment of children looked after for 12 months at 31 March, children in need
  and children on a protection plan, by academic year (time_period as published, e.g. 202425) for England,
  regions and local authorities (file ks4_la, 2022 and 2025 releases). Each year carries a version
  (Final or Revised); a release normally holds one version per year, and should it hold both, the Final
  figures are kept.
raw: [ks4_la]
columns: [social_care_group, version, t_pupils, t_att8, avg_att8, t_l2basics_94, pt_l2basics_94,
          t_l2basics_95, pt_l2basics_95]
measures: [t_pupils, t_att8, avg_att8, t_l2basics_94, pt_l2basics_94, t_l2basics_95, pt_l2basics_95]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case cs_label(social_care_group)
        when 'cla 12 months at 31 march' then 'cla_12_months'
        when 'cino at 31 march' then 'cino'
        when 'cppo at 31 march' then 'cppo'
    end as cohort,
    trim(social_care_group) as cohort_label,
    trim(version) as version,
    t_pupils,
    t_att8,
    avg_att8,
    t_l2basics_94,
    pt_l2basics_94,
    t_l2basics_95,
    pt_l2basics_95,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.ks4_la
qualify row_number() over (
    partition by _release, time_period, geographic_level,
        cs_area_code(geographic_level, country_code, region_code, new_la_code), cs_label(social_care_group)
    order by case cs_label(version) when 'final' then 0 when 'revised' then 1 else 2 end
) = 1
