/*
id: stg_population
description: >
  ONS mid-year population estimates of children aged 0 to 17 by area (the EES file published with
  children in need, ons_mid-year_population_estimates_<years>). time_period is the year of the mid-year
  estimate; rate_period is the 31 March year whose rates use it (the publisher divides year X's counts by
  the mid-(X-1) estimate). Old areas without an estimate hold the symbol x.
raw: [ons_mid_year_population_estimates]
columns: [age_group, population_estimate]
measures: [population_estimate]
*/
select
    cast(time_period as integer) as time_period,
    cast(time_period as integer) + 1 as rate_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(age_group) as age_group,
    population_estimate,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.ons_mid_year_population_estimates
