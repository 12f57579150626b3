/*
id: cla_missing_children
title: Children looked after who had a missing incident during the year
short_title: Children who went missing
theme: missing
unit: count
polarity: lower_is_better
decimals: 0
headline: false
order: 2
definition: >
  The number of children looked after during the year ending 31 March who went missing from their
  placement at least once. National and regional figures are rounded by the publisher to the nearest 10.
  Official statistics: recording practice differs between local authorities.
numerator: children looked after who had a missing incident during the year
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
where measure = 'missing_children'
