/*
id: sw_caseload
title: Average caseload per case-holding children and family social worker (FTE)
short_title: Average caseload
theme: workforce
unit: ratio
polarity: lower_is_better
decimals: 1
headline: false
order: 5
definition: >
  Cases held at 30 September divided by the full-time equivalent social workers who hold cases.
numerator: cases held at 30 September
denominator: case-holding social workers at 30 September (FTE)
sources: [stg_workforce]
source_files: [csww_indicators_2017_to_<year>.csv, csww_headline_measures_2017_to_2022.csv]
method: published
method_note: As published (caseload_fte); the latest release wins for each year.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(caseload_fte) as value,
    cs_status(caseload_fte) as status,
    cs_num(cases) as numerator,
    cs_num(case_holders_fte) as denominator,
    release
from staging.stg_workforce
