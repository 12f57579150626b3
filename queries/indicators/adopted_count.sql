/*
id: adopted_count
title: Children looked after who were adopted during the year
short_title: Adopted
theme: children_in_care
unit: count
polarity: none
decimals: 0
headline: false
order: 6
definition: >
  The number of children who ceased to be looked after during the year ending 31 March because they were
  adopted (application unopposed or consent dispensed with). National and regional figures are rounded by
  the publisher to the nearest 10; local authority figures are not rounded.
numerator: children looked after who were adopted during the year
denominator: none
sources: [stg_cla_ceased_sgo_adoption, stg_cla_time_series]
source_files: [la_children_who_ceased_during_the_year_sgo_adoption.csv, cla_time_series_1994_<year>.csv]
method: published
method_note: >
  As published: the Total of the Adopted group of the SGO-and-adoption file, for every area. It equals the
  "Adopted" reason in la_children_who_ceased_during_the_year.csv and the total of
  national_cla_who_were_adopted_during_the_year.csv (except for the Isles of Scilly, printed z in the
  ceased file and 0 here). England's earlier years come from the national time series.
*/
with by_area as (
    select time_period, geographic_level, area_code, area_name, number as cell, release
    from staging.stg_cla_ceased_sgo_adoption
    where route = 'adopted' and characteristic_key = 'total'
),

national_history as (
    select t.time_period, t.geographic_level, t.area_code, t.area_name, t.number as cell, t.release
    from staging.stg_cla_time_series as t
    where t.measure = 'adopted'
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
