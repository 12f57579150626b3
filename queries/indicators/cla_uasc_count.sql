/*
id: cla_uasc_count
title: Unaccompanied asylum-seeking children looked after at 31 March
short_title: UASC in care
theme: children_in_care
unit: count
polarity: none
decimals: 0
headline: false
order: 7
definition: >
  The number of unaccompanied asylum-seeking children looked after on 31 March in England, rounded by the
  publisher to the nearest 10. Not published before 2004 (shown as x).
numerator: unaccompanied asylum-seeking children looked after on 31 March
denominator: none
sources: [stg_cla_uasc, stg_cla_time_series]
source_files: [national_cla_on_31_march_who_were_unaccompanied_asylum_seeking_children.csv,
               cla_time_series_1994_<year>.csv]
method: published
method_note: >
  As published: the Total of the UASC file (every breakdown group repeats it; the age-group one is used)
  and, for the years that file does not cover in a release, the national time series of that release.
  England only: the local authority file with UASC is not among the inputs.
*/
with uasc_file as (
    select time_period, geographic_level, area_code, area_name, number as cell, release
    from staging.stg_cla_uasc
    where group_key = 'age group' and characteristic_key = 'total'
),

national_history as (
    select t.time_period, t.geographic_level, t.area_code, t.area_name, t.number as cell, t.release
    from staging.stg_cla_time_series as t
    where t.measure = 'uasc_at_31_march'
        and not exists (
            select 1 from uasc_file as u
            where u.geographic_level = t.geographic_level and u.time_period = t.time_period
                and u.release = t.release
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
from (select * from uasc_file union all select * from national_history)
