/*
id: cpp_rate_per_10k
title: Children on a child protection plan at 31 March per 10,000 children under 18
short_title: Protection plans per 10,000
theme: cin
unit: rate per 10,000
polarity: none
decimals: 1
headline: false
order: 7
definition: >
  Children who were the subject of a child protection plan on 31 March per 10,000 children aged under
  18, using the ONS mid-year estimate of the previous year.
numerator: children on a child protection plan on 31 March
denominator: ONS mid-year estimate of children aged 0 to 17 (previous year)
sources: [stg_cpp_at_31_march, stg_population]
source_files: [d1_child_protection_plans_2013_to_<year>.csv, d5_cpps_at31march_by_duration_2013_to_<year>.csv, ons_mid-year_population_estimates_2012_to_<year>.csv]
method: derived
method_note: >
  Where a release printed the rate (CPP_At31_rate in the 2024 release's d1 file) the value is that
  printed figure, from the latest release that printed one, with its own symbols (denominator left
  empty: the population used is not printed). Where no release printed a rate for the year and area (the
  2025 release prints only the count, in d5), the value is derived, unrounded, as 10,000 × CPP_At31 ÷ the
  ONS mid-year 0-17 estimate of the previous year for the same area; a suppressed count keeps its symbol
  and a missing population gives x.
*/
with cpp as (
    select time_period, geographic_level, area_code, area_name, cpp_at31, cpp_at31_rate, release
    from staging.stg_cpp_at_31_march
),

printed as (
    select * from cpp where nullif(trim(cpp_at31_rate), '') is not null
),

population as (
    select rate_period, geographic_level, area_code, population_estimate
    from staging.stg_population
    qualify row_number() over (
        partition by rate_period, geographic_level, area_code order by vintage desc, release desc) = 1
),

derived as (
    select c.*, cs_num(c.cpp_at31) as n, cs_num(p.population_estimate) as pop, p.population_estimate
    from cpp as c
    left join population as p
        on p.rate_period = c.time_period and p.geographic_level = c.geographic_level and p.area_code = c.area_code
    where nullif(trim(c.cpp_at31_rate), '') is null
        and not exists (
            select 1 from printed as x
            where x.time_period = c.time_period and x.geographic_level = c.geographic_level
                and x.area_code = c.area_code
        )
)

select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(cpp_at31_rate) as value,
    cs_status(cpp_at31_rate) as status,
    cs_num(cpp_at31) as numerator,
    null::double as denominator,
    release
from printed
union all
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    case when n is not null and pop > 0 then 10000.0 * n / pop end as value,
    case
        when n is null then coalesce(cs_status(cpp_at31), 'x')
        when pop is null or pop <= 0 then coalesce(cs_status(population_estimate), 'x')
    end as status,
    n as numerator,
    pop as denominator,
    release
from derived
