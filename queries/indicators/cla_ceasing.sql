/*
id: cla_ceasing
title: Children who ceased to be looked after during the year
short_title: Left care
theme: children_in_care
unit: count
polarity: none
decimals: 0
headline: false
order: 4
definition: >
  The number of children who ceased to be looked after during the year ending 31 March. A child who
  ceased more than once in the year is counted once. National and regional figures are rounded by the
  publisher to the nearest 10; local authority figures are not rounded.
numerator: children who ceased to be looked after during the year
denominator: none
sources: [stg_cla_number_and_rate, stg_cla_time_series]
source_files: [cla_number_and_rate_per_10k_children.csv, cla_time_series_1994_<year>.csv]
method: published
method_note: >
  As published. England's years before the number-and-rate file come from the national time series; where
  a release holds a year in both files, its number-and-rate figure is used (the two agree).
*/
with by_area as (
    select time_period, geographic_level, area_code, area_name, children_count as cell, release
    from staging.stg_cla_number_and_rate
    where measure = 'ceasing'
),

national_history as (
    select t.time_period, t.geographic_level, t.area_code, t.area_name, t.number as cell, t.release
    from staging.stg_cla_time_series as t
    where t.measure = 'ceasing'
        and not exists (
            select 1 from by_area as b
            where b.geographic_level = 'National' and b.time_period = t.time_period and b.release = t.release
        )
)

select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(cell) as value,
    cs_status(cell) as status,
    cs_num(cell) as numerator,
    null::double as denominator,
    release
from (select * from by_area union all select * from national_history)
