/*
id: cla_over_20_miles_pct
title: Children looked after at 31 March placed more than 20 miles from home
short_title: Placed 20+ miles away
theme: placements
unit: "%"
polarity: lower_is_better
decimals: 0
headline: false
order: 6
definition: >
  Of the children looked after on 31 March, the percentage whose placement was more than 20 miles from
  their home, inside or outside the council boundary. Children whose distance is not known or not
  recorded (for example many unaccompanied asylum-seeking children) stay in the denominator. England
  only. Breakdown "Total" is all children; the other breakdowns are the publisher's placement types, each
  as a percentage of the children in that placement type.
numerator: children looked after on 31 March placed more than 20 miles from home
denominator: all children looked after on 31 March (of that placement type, for a breakdown)
sources: [stg_cla_placement_distance]
source_files: [national_cla_on_31_march_by_placement_distance_and_placement_locality.csv]
method: published
method_note: >
  The percentage as published ("2. Over 20 miles"); numerator and denominator are the published counts.
  England only: the local authority file with placement distance is not among the inputs.
*/
select
    m.time_period,
    m.geographic_level,
    m.area_code,
    m.area_name,
    case when m.placement_key = 'all children' then 'Total' else m.placement_label end as breakdown,
    cs_num(m.percentage) as value,
    cs_status(m.percentage) as status,
    cs_num(m.number) as numerator,
    cs_num(t.number) as denominator,
    m.release
from staging.stg_cla_placement_distance as m
left join staging.stg_cla_placement_distance as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.placement_key = m.placement_key and t.distance = 'total'
where m.distance = 'over_20'
