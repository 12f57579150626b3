/*
id: cla_missing_pct
title: Children looked after during the year who had a missing incident
short_title: Went missing
theme: missing
unit: "%"
polarity: lower_is_better
decimals: 0
headline: false
order: 1
definition: >
  Of the children looked after at any time during the year ending 31 March, the percentage who went
  missing from their placement at least once (not at their placement or where they were expected to be,
  and their whereabouts not known). Official statistics: recording practice differs between local
  authorities, some of which record all absences as missing rather than away without authorisation.
numerator: children looked after who had a missing incident during the year
denominator: children looked after during the year
sources: [stg_cla_missing]
source_files: [la_children_who_were_missing_or_away_from_placement_without_authorisation.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with keyed as (
    select
        time_period, geographic_level, area_code, any_value(area_name) as area_name, release,
        max(number) filter (where measure = 'missing_pct') as pct_cell,
        max(number) filter (where measure = 'missing_children') as children_cell,
        max(number) filter (where measure = 'cla_during_year') as cla_cell
    from staging.stg_cla_missing
    group by time_period, geographic_level, area_code, release
)

select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(pct_cell) as value,
    cs_status(pct_cell) as status,
    cs_num(children_cell) as numerator,
    cs_num(cla_cell) as denominator,
    release
from keyed
where pct_cell is not null
