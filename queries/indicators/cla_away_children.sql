/*
id: cla_away_children
title: Children looked after who were away from placement without authorisation during the year
short_title: Children away without authorisation
theme: missing
unit: count
polarity: lower_is_better
decimals: 0
headline: false
order: 6
definition: >
  The number of children looked after during the year ending 31 March who were away from their placement
  without authorisation at least once. National and regional figures are rounded by the publisher to the
  nearest 10. Official statistics: some local authorities record every such absence as missing.
numerator: children looked after who were away from placement without authorisation during the year
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
where measure = 'away_children'
