/*
id: sw_agency_pct
title: Agency children and family social workers (% of all social workers, FTE)
short_title: Agency social workers
theme: workforce
unit: "%"
polarity: lower_is_better
decimals: 1
headline: false
order: 3
definition: >
  Full-time equivalent agency (not directly employed) children and family social workers at
  30 September, as a percentage of agency workers plus social workers in post.
numerator: agency social workers at 30 September (FTE)
denominator: agency workers plus social workers in post at 30 September (FTE)
sources: [stg_workforce]
source_files: [csww_indicators_2017_to_<year>.csv, csww_headline_measures_2017_to_2022.csv]
method: published
method_note: >
  As published: agency_rate_fte (2024 release onwards), agency_worker_rate_fte_% (2022 release); the
  latest release wins for each year. The publisher's symbols are kept, including low (a small number of
  agency workers) and u (low reliability). The denominator is not printed, so it is left empty.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(agency_rate_fte) as value,
    cs_status(agency_rate_fte) as status,
    cs_num(agency_fte) as numerator,
    null::double as denominator,
    release
from staging.stg_workforce
