/*
id: sw_vacancy_pct
title: Vacancy rate for children and family social workers (%, FTE)
short_title: Social worker vacancies
theme: workforce
unit: "%"
polarity: lower_is_better
decimals: 1
headline: false
order: 4
definition: >
  Full-time equivalent vacant children and family social worker posts at 30 September, as a percentage
  of vacancies plus social workers in post.
numerator: vacant posts at 30 September (FTE)
denominator: vacancies plus social workers in post at 30 September (FTE)
sources: [stg_workforce]
source_files: [csww_indicators_2017_to_<year>.csv, csww_headline_measures_2017_to_2022.csv]
method: published
method_note: >
  As published: vacancy_rate_fte (2024 release onwards), vacancy_rate_fte_% (2022 release); the latest
  release wins for each year. The denominator is not printed, so it is left empty.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(vacancy_rate_fte) as value,
    cs_status(vacancy_rate_fte) as status,
    cs_num(vacancy_fte) as numerator,
    null::double as denominator,
    release
from staging.stg_workforce
