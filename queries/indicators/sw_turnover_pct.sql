/*
id: sw_turnover_pct
title: Turnover rate of children and family social workers (%)
short_title: Social worker turnover
theme: workforce
unit: "%"
polarity: lower_is_better
decimals: 1
headline: true
order: 2
definition: >
  Full-time equivalent social workers who left the local authority in the year to 30 September, as a
  percentage of the full-time equivalent social workers in post at 30 September.
numerator: social workers leaving in the year (FTE)
denominator: social workers in post at 30 September (FTE)
sources: [stg_workforce]
source_files: [csww_indicators_2017_to_<year>.csv, csww_headline_measures_2017_to_2022.csv]
method: published
method_note: >
  As published: turnover_rate_fte (2024 release onwards), turnover_rate_fte_% (2022 release); the latest
  release wins for each year. Symbols (u low reliability, z not applicable, x) are kept.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(turnover_rate_fte) as value,
    cs_status(turnover_rate_fte) as status,
    cs_num(leavers_fte) as numerator,
    cs_num(inpost_fte) as denominator,
    release
from staging.stg_workforce
