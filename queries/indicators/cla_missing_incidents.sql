/*
id: cla_missing_incidents
title: Missing incidents of children looked after during the year
short_title: Missing incidents
theme: missing
unit: count
polarity: lower_is_better
decimals: 0
headline: false
order: 3
definition: >
  The number of missing incidents of children looked after during the year ending 31 March (a child who
  went missing three times counts three times). National and regional figures are rounded by the publisher
  to the nearest 10. Official statistics: recording practice differs between local authorities.
numerator: missing incidents during the year
denominator: none
sources: [stg_cla_missing]
source_files: [la_children_who_were_missing_or_away_from_placement_without_authorisation.csv]
method: published
method_note: As published.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(number) as value,
    cs_status(number) as status,
    cs_num(number) as numerator,
    null::double as denominator,
    release
from staging.stg_cla_missing
where measure = 'missing_incidents'
