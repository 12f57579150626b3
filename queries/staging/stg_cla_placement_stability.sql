/*
id: stg_cla_placement_stability
description: >
  Placement stability of children looked after at 31 March: 3 or more placements in the year, and
  long-term stability (same carer for 2 years). The 2022 release used another file name and a
  characteristic column; the 2025 release renamed number/percentage to children_count/children_percent.
raw: [la_cla_placement_stability, la_cla_at_31_march_placement_stability_indicator]
columns: [cla_group, placement_stability, characteristic, number, percentage, children_count, children_percent]
measures: [number, percentage, children_count, children_percent]
*/
with unioned as (
    select * from raw.la_cla_placement_stability
    union all by name
    select * from raw.la_cla_at_31_march_placement_stability_indicator
)
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when cs_label(cla_group) in ('cla on 31 march', 'children looked after at 31 march') then 'cla_31_march'
        when cs_label(cla_group) = 'cla 2 years on 31 march' then 'cla_2_years'
        when cs_label(cla_group) like 'children looked after continuously for at least 2.5 years%'
            then 'cla_2_5_years_under_16'
    end as cohort,
    case
        when cs_label(coalesce(placement_stability, characteristic)) = 'total children' then 'total'
        when cs_label(coalesce(placement_stability, characteristic)) = 'with 3 or more placements during the year'
            then 'three_plus_in_year'
        when cs_label(coalesce(placement_stability, characteristic)) like 'with 3 or more placements during the previous 2 years'
            then 'three_plus_in_2_years'
        when cs_label(coalesce(placement_stability, characteristic)) like 'living in the same placement for at least 2 years%'
            or cs_label(coalesce(placement_stability, characteristic)) like 'living with the same carer for at least 2 years%'
            then 'same_carer_2_years'
    end as measure,
    trim(cla_group) as cohort_label,
    trim(coalesce(placement_stability, characteristic)) as measure_label,
    coalesce(children_count, number) as children_count,
    coalesce(children_percent, percentage) as children_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from unioned
