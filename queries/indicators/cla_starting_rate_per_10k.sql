/*
id: cla_starting_rate_per_10k
title: Children who started to be looked after during the year per 10,000 children under 18
short_title: Started care per 10,000
theme: children_in_care
unit: rate per 10,000
polarity: none
decimals: 0
headline: false
order: 5
definition: >
  Children who started to be looked after during the year ending 31 March per 10,000 children aged under
  18, using the ONS mid-year population estimate of the previous year (mid-2024 for the year ending
  31 March 2025), as published.
numerator: children who started to be looked after during the year
denominator: ONS mid-year estimate of children aged 0 to 17 (previous year)
sources: [stg_cla_number_and_rate]
source_files: [cla_number_and_rate_per_10k_children.csv]
method: published
method_note: As published (the publisher rounds the rate to a whole number).
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(rate_per_10000) as value,
    cs_status(rate_per_10000) as status,
    cs_num(children_count) as numerator,
    cs_num(population_estimate) as denominator,
    release
from staging.stg_cla_number_and_rate
where measure = 'starting'
