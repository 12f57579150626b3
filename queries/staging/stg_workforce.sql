/*
id: stg_workforce
description: >
  Children and family social workers employed by local authorities at 30 September, by area: full-time
  equivalents in post, leavers, agency workers, vacancies and caseloads. The 2024 and 2025 releases
  (csww_indicators) name the columns inpost_fte, leavers_fte, turnover_rate_fte, agency_rate_fte and
  vacancy_rate_fte; the 2022 release (csww_headline_measures) named them social_worker_fte, leaver_fte
  and turnover_rate_fte_%, agency_worker_rate_fte_%, vacancy_rate_fte_% (with a % in the name).
  Workforce cells may hold the symbols low and u as well as c, x and z.
raw: [csww_indicators, csww_headline_measures]
columns: [inpost_fte, social_worker_fte, leavers_fte, leaver_fte, turnover_rate_fte, "turnover_rate_fte_%",
          agency_fte, agency_rate_fte, "agency_worker_rate_fte_%", vacancy_fte, vacancy_rate_fte,
          "vacancy_rate_fte_%", case_holders_fte, cases, caseload_fte]
measures: [inpost_fte, social_worker_fte, leavers_fte, leaver_fte, turnover_rate_fte, "turnover_rate_fte_%",
           agency_fte, agency_rate_fte, "agency_worker_rate_fte_%", vacancy_fte, vacancy_rate_fte,
           "vacancy_rate_fte_%", case_holders_fte, cases, caseload_fte]
*/
with unioned as (
    select * from raw.csww_indicators
    union all by name
    select * from raw.csww_headline_measures
)
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    coalesce(inpost_fte, social_worker_fte) as inpost_fte,
    coalesce(leavers_fte, leaver_fte) as leavers_fte,
    coalesce(turnover_rate_fte, "turnover_rate_fte_%") as turnover_rate_fte,
    agency_fte,
    coalesce(agency_rate_fte, "agency_worker_rate_fte_%") as agency_rate_fte,
    vacancy_fte,
    coalesce(vacancy_rate_fte, "vacancy_rate_fte_%") as vacancy_rate_fte,
    case_holders_fte,
    cases,
    caseload_fte,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from unioned
