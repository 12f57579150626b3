/*
id: childrens_homes_count
title: Children's homes registered with Ofsted at 31 March
short_title: Children's homes
theme: inspection
unit: count
polarity: none
decimals: 0
headline: false
order: 2
definition: >
  The number of children's homes registered with Ofsted and active at 31 March (excluding secure children's
  homes and residential special schools registered as children's homes). England from 2012, as published in
  Ofsted's national time series; each local authority area at the latest 31 March of the provider list, by
  where the home is (not which authority placed children there).
numerator: children's homes
denominator: none
sources: [stg_ofsted_providers_places_series, stg_ofsted_providers_places, stg_ofsted_ilacs_judgements]
source_files: [Childrens_social_care_in_England_<year>_underlying_data.ods]
method: published
method_note: >
  England: as published (table 6a, column "Children's Homes"). Local authorities: the homes in Ofsted's list
  of providers and places at 31 March whose provision type is "Children's home", matched trimmed and
  case-insensitively (the 2023 list spells it "Children's home" 3,042 times and "Children's Home" 8 times);
  they add up to the published England figure (3,050 in 2023). An authority in Ofsted's list of local
  authorities with no home counts 0.
*/
with homes as (
    select time_period, area_code, area_name, release, count(*) as n
    from staging.stg_ofsted_providers_places
    where provision_key = 'children''s home'
    group by all
),

authorities as (
    select distinct j.time_period, j.area_code, j.area_name, j.release
    from staging.stg_ofsted_ilacs_judgements as j
    where exists (
        select 1 from staging.stg_ofsted_providers_places as p
        where p.time_period = j.time_period and p.release = j.release
    )
),

by_area as (
    select
        coalesce(h.time_period, a.time_period) as time_period,
        coalesce(h.area_code, a.area_code) as area_code,
        coalesce(h.area_name, a.area_name) as area_name,
        coalesce(h.n, 0) as n,
        coalesce(h.release, a.release) as release
    from homes as h
    full join authorities as a
        on a.time_period = h.time_period and a.area_code = h.area_code and a.release = h.release
)

select
    time_period,
    'Local authority' as geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    n::double as value,
    null as status,
    n::double as numerator,
    null::double as denominator,
    release
from by_area

union all

select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(childrens_homes) as value,
    coalesce(cs_status(childrens_homes), case when cs_num(childrens_homes) is null then 'x' end) as status,
    cs_num(childrens_homes) as numerator,
    null::double as denominator,
    release
from staging.stg_ofsted_providers_places_series
where measure = 'providers'
