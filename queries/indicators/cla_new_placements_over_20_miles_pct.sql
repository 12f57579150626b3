/*
id: cla_new_placements_over_20_miles_pct
title: New placements during the year more than 20 miles from home
short_title: New placements 20+ miles away
theme: placements
unit: "%"
polarity: lower_is_better
decimals: 0
headline: false
order: 7
definition: >
  Of all placements that started during the year ending 31 March (a child with two new placements counts
  twice), the percentage more than 20 miles from the child's home, inside or outside the local authority
  boundary. Placements whose distance is not known or not recorded stay in the denominator. Unlike
  cla_over_20_miles_pct, which counts children on 31 March, this counts new placements over the year.
numerator: new placements during the year more than 20 miles from home (inside plus outside the LA boundary)
denominator: all new placements during the year
sources: [stg_cla_new_placements]
source_files: [la_cla_during_year_new_placements.csv]
method: derived
method_note: >
  100 x (placed inside the LA boundary more than 20 miles from home + placed outside the LA boundary more
  than 20 miles from home) / total new placements, from the published counts (unrounded for local
  authorities; national and regional counts are rounded to the nearest 10 by the publisher). When a count
  is suppressed or not applicable the row keeps that symbol (the total's first, then the parts'). The
  publisher prints the two parts as percentages; their sum agrees with this figure to within rounding.
*/
with location as (
    select * from staging.stg_cla_new_placements where table_key = 'location'
),

wide as (
    select
        time_period, geographic_level, area_code, any_value(area_name) as area_name, release,
        max(children_count) filter (where location = 'total') as total_cell,
        max(children_count) filter (where location = 'inside_over_20') as inside_cell,
        max(children_count) filter (where location = 'outside_over_20') as outside_cell
    from location
    group by time_period, geographic_level, area_code, release
),

parts as (
    select
        *,
        cs_num(inside_cell) + cs_num(outside_cell) as over_20,
        cs_num(total_cell) as total,
        coalesce(cs_status(total_cell), cs_status(inside_cell), cs_status(outside_cell)) as symbol
    from wide
    where total_cell is not null
)

select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    case when symbol is null then cs_pct(over_20, total) end as value,
    case when symbol is null and total = 0 then 'z' else symbol end as status,
    case when symbol is null then over_20 end as numerator,
    total as denominator,
    release
from parts
