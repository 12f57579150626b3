/*
id: sw_fte
title: Children and family social workers in post (FTE)
short_title: Social workers (FTE)
theme: workforce
unit: fte
polarity: higher_is_better
decimals: 1
headline: false
order: 1
definition: >
  Full-time equivalent children and family social workers employed by the local authority (not agency
  workers) at 30 September.
numerator: social workers in post at 30 September (FTE)
denominator: none
sources: [stg_workforce]
source_files: [csww_indicators_2017_to_<year>.csv, csww_headline_measures_2017_to_2022.csv]
method: published
method_note: >
  As published: inpost_fte (2024 release onwards), social_worker_fte (2022 release); the latest release
  wins for each year.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(inpost_fte) as value,
    cs_status(inpost_fte) as status,
    cs_num(inpost_fte) as numerator,
    null::double as denominator,
    release
from staging.stg_workforce
