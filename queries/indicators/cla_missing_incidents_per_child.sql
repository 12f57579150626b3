/*
id: cla_missing_incidents_per_child
title: Average missing incidents per child looked after who went missing
short_title: Missing incidents per child
theme: missing
unit: ratio
polarity: lower_is_better
decimals: 1
headline: false
order: 4
definition: >
  The average number of missing incidents during the year ending 31 March per child looked after who went
  missing at least once, rounded by the publisher to one decimal place. Official statistics: recording
  practice differs between local authorities.
numerator: missing incidents during the year
denominator: children looked after who had a missing incident during the year
sources: [stg_cla_missing]
source_files: [la_children_who_were_missing_or_away_from_placement_without_authorisation.csv]
method: published
method_note: The average as published; numerator and denominator are the published counts.
*/
with keyed as (
    select
        time_period, geographic_level, area_code, any_value(area_name) as area_name, release,
        max(number) filter (where measure = 'missing_incidents_per_child') as avg_cell,
        max(number) filter (where measure = 'missing_incidents') as incidents_cell,
        max(number) filter (where measure = 'missing_children') as children_cell
    from staging.stg_cla_missing
    group by time_period, geographic_level, area_code, release
)

select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(avg_cell) as value,
    cs_status(avg_cell) as status,
    cs_num(incidents_cell) as numerator,
    cs_num(children_cell) as denominator,
    release
from keyed
where avg_cell is not null
