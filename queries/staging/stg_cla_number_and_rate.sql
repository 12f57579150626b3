/*
id: stg_cla_number_and_rate
description: >
  Children looked after at 31 March, starting and ceasing, with the population and the rate per 10,000
  children, by area and year (file cla_number_and_rate_per_10k_children, every release). The 2025 release
  renamed number to children_count and population_count to population_type, and reworded the labels.
raw: [cla_number_and_rate_per_10k_children]
columns: [population_count, population_type, number, children_count, population_estimate, rate_per_10000]
measures: [number, children_count, population_estimate, rate_per_10000]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    trim(old_la_code) as old_la_code,
    case
        when cs_label(coalesce(population_type, population_count)) like 'children looked after%31 march%'
            then 'at_31_march'
        when cs_label(coalesce(population_type, population_count)) like 'children starting%' then 'starting'
        when cs_label(coalesce(population_type, population_count)) like 'children ceasing%' then 'ceasing'
    end as measure,
    trim(coalesce(population_type, population_count)) as measure_label,
    coalesce(children_count, number) as children_count,
    population_estimate,
    rate_per_10000,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.cla_number_and_rate_per_10k_children
