/*
id: stg_cla_missing
description: >
  Children looked after who went missing or were away from placement without authorisation, by area and
  year (file la_children_who_were_missing_or_away_from_placement_without_authorisation, 2024 release,
  2020-2024). The one `number` column holds counts, percentages and averages: CLA_group (spelt in capitals
  in this file) names which, and is keyed here as `measure`.
raw: [la_children_who_were_missing_or_away_from_placement_without_authorisation]
columns: [CLA_group, number]
measures: [number]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case cs_label(CLA_group)
        when 'children looked after during the year' then 'cla_during_year'
        when 'children who had a missing incident during the year' then 'missing_children'
        when 'percentage of children who had a missing incident during the year' then 'missing_pct'
        when 'number of missing incidents during the year' then 'missing_incidents'
        when 'average number of missing incidents per looked after child who went missing'
            then 'missing_incidents_per_child'
        when 'children who went missing more than once during the year' then 'missing_more_than_once'
        when 'children missing at 31 march' then 'missing_at_31_march'
        when 'children who were away from placement without authorisation during the year'
            then 'away_children'
        when 'percentage of children who were away from placement without authorisation during the year'
            then 'away_pct'
        when 'number of away from placement without authorisation incidents during the year'
            then 'away_incidents'
        when 'average number of away from placement without authorisation incidents per looked after child'
            then 'away_incidents_per_child'
        when 'children who were away from placement without authorisation more than once during the year'
            then 'away_more_than_once'
        when 'children away from placement without authorisation at 31 march' then 'away_at_31_march'
    end as measure,
    trim(CLA_group) as measure_label,
    number,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_children_who_were_missing_or_away_from_placement_without_authorisation
