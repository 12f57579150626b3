/*
id: cla_3plus_placements_pct
title: Children looked after at 31 March with three or more placements during the year
short_title: Children looked after at 31 March with three or more placements during the year
theme: placements
unit: "%"
polarity: lower_is_better
decimals: 0
order: 50
definition: >
  Of the children looked after on 31 March, the percentage with three or more placements during the year. A child's placements in the year are the placement they were in on 1 April (if looked after then) and each episode starting in the year that began a placement with a new carer (reason for new episode S, P or B). Short breaks left out.
numerator: children looked after on 31 March with 3 or more placements in the year
denominator: children looked after on 31 March
sources: [ssda903.at_year_end, ssda903.eps]
source_files: [episodes.csv]
method: derived
method_note: >
  The DfE's short-term placement stability measure: placements are counted from episodes that change the carer. Source: DfE, Stability measures for children looked after in England: methodology (explore-education-statistics.service.gov.uk/find-statistics/stability-measures-for-children-looked-after-in-england); DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
with placements as (
    select
        y.child,
        (max(case when e.decom < e.year_start and (e.dec is null or e.dec >= e.year_start) then 1 else 0 end)
         + count(*) filter (where e.decom between e.year_start and e.year_end and e.rne in ('S', 'P', 'B'))) as n
    from ssda903.at_year_end as y
    join ssda903.eps as e on e.return_year = y.return_year and e.child = y.child
    where y.return_year = $year
    group by y.child
)

select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where n >= 3)) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where n >= 3))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from placements
where true
