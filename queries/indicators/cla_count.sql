/*
id: cla_count
title: Children looked after at 31 March
short_title: Children in care
theme: children_in_care
unit: count
polarity: none
decimals: 0
headline: true
order: 1
definition: >
  The number of children looked after by the local authority on 31 March. National and regional figures
  are rounded by the publisher to the nearest 10; local authority figures are not rounded.
numerator: children looked after on 31 March
denominator: none
sources: [stg_cla_number_and_rate, stg_cla_time_series]
source_files: [cla_number_and_rate_per_10k_children.csv, cla_time_series_1994_<year>.csv]
method: published
method_note: >
  As published. England's series before the first year of the number-and-rate file comes from the
  national time series of the same release.
*/
with by_area as (
    select time_period, geographic_level, area_code, area_name, children_count as cell, release
    from staging.stg_cla_number_and_rate
    where measure = 'at_31_march'
),

national_history as (
    select time_period, geographic_level, area_code, area_name, number as cell, release
    from staging.stg_cla_time_series
    where measure = 'at_31_march'
        and time_period not in (select time_period from by_area where geographic_level = 'National')
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
