/*
id: cla_new_placements_out_of_area_20_miles_pct
title: New placements during the year outside the local authority and more than 20 miles from home
short_title: New placements out of area, 20+ miles
theme: placements
unit: "%"
polarity: lower_is_better
decimals: 0
headline: false
order: 8
definition: >
  Of all placements that started during the year ending 31 March (a child with two new placements counts
  twice), the percentage that were both outside the local authority boundary and more than 20 miles from
  the child's home. Placements whose distance is not known or not recorded stay in the denominator.
numerator: new placements during the year outside the LA boundary and more than 20 miles from home
denominator: all new placements during the year
sources: [stg_cla_new_placements]
source_files: [la_cla_during_year_new_placements.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with location as (
    select * from staging.stg_cla_new_placements where table_key = 'location'
)

select
    m.time_period,
    m.geographic_level,
    m.area_code,
    m.area_name,
    'Total' as breakdown,
    cs_num(m.children_percent) as value,
    cs_status(m.children_percent) as status,
    cs_num(m.children_count) as numerator,
    cs_num(t.children_count) as denominator,
    m.release
from location as m
left join location as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.location = 'total'
where m.location = 'outside_over_20'
