/*
id: cin_rate_per_10k
title: Children in need at 31 March per 10,000 children under 18
short_title: Children in need per 10,000
theme: cin
unit: rate per 10,000
polarity: none
decimals: 1
headline: true
order: 2
definition: >
  Episodes of need open on 31 March per 10,000 children aged under 18, using the ONS mid-year estimate
  of the previous year (mid-2024 for 31 March 2025).
numerator: episodes of need open on 31 March
denominator: ONS mid-year estimate of children aged 0 to 17 (previous year)
sources: [stg_cin_children_in_need, stg_population]
source_files: [b1_children_in_need_2013_to_<year>.csv, ons_mid-year_population_estimates_2012_to_<year>.csv]
method: derived
method_note: >
  Where a release printed the rate (At31_episodes_rate, 2024 release and earlier) the value is that
  printed figure, from the latest release that printed one, with its own symbols; the denominator is then
  left empty because the release does not print the population it used. Where no release printed a
  rate for the year and area (the 2025 release has no rate columns), the value is derived, unrounded, as
  10,000 × At31_episodes ÷ the ONS mid-year 0-17 estimate of the previous year for the same area; a
  suppressed count keeps its symbol and a missing population gives x. The derivation reproduces every
  printed rate from 2013 to 2022 within the publisher's rounding; the printed 2023 and 2024 rates used the
  ONS estimates of that time (England mid-2023: 11,998,646), since revised (12,059,476), and with those
  estimates the derivation reproduces them too.
*/
with cin as (
    select time_period, geographic_level, area_code, area_name, at31_episodes, at31_episodes_rate, release
    from staging.stg_cin_children_in_need
),

printed as (
    select * from cin where nullif(trim(at31_episodes_rate), '') is not null
),

population as (
    select rate_period, geographic_level, area_code, population_estimate
    from staging.stg_population
    qualify row_number() over (
        partition by rate_period, geographic_level, area_code order by vintage desc, release desc) = 1
),

derived as (
    select c.*, cs_num(c.at31_episodes) as n, cs_num(p.population_estimate) as pop, p.population_estimate
    from cin as c
    left join population as p
        on p.rate_period = c.time_period and p.geographic_level = c.geographic_level and p.area_code = c.area_code
    where nullif(trim(c.at31_episodes_rate), '') is null
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
    cs_num(at31_episodes_rate) as value,
    cs_status(at31_episodes_rate) as status,
    cs_num(at31_episodes) as numerator,
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
        when n is null then coalesce(cs_status(at31_episodes), 'x')
        when pop is null or pop <= 0 then coalesce(cs_status(population_estimate), 'x')
    end as status,
    n as numerator,
    pop as denominator,
    release
from derived
