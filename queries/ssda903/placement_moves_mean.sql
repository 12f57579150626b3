/*
id: placement_moves_mean
title: Placement moves per child looked after during the year
short_title: Moves per child
theme: placements
unit: "ratio"
polarity: lower_is_better
decimals: 2
order: 50
definition: >
  The mean number of placement moves per child looked after at any time during the year. A child's moves in the year are the episodes starting in the year with reason for new episode P or B (a new carer). Short breaks left out.
numerator: placement moves in the year (episodes starting in the year with RNE P or B)
denominator: children looked after at any time during the year
sources: [ssda903.during_year, ssda903.eps]
source_files: [episodes.csv]
method: derived
method_note: >
  A measure carestats derives from the council's SSDA903 return, as the definition says; no published table has it.
*/
with moves as (
    select d.child, count(e.child) as n
    from ssda903.during_year as d
    left join ssda903.eps as e
        on e.return_year = d.return_year and e.child = d.child and e.rne in ('P', 'B')
        and e.decom between e.year_start and e.year_end
    where d.return_year = $year
    group by d.child
)

select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then sum(n) / count(*) end as value,
    case when count(*) = 0 then 'z' end as status,
    coalesce(sum(n), 0)::double as numerator,
    (count(*))::double as denominator,
    $release as release
from moves
where true
