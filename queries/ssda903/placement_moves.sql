/*
id: placement_moves
title: Children looked after during the year, by number of placement moves
short_title: Placement moves
theme: placements
unit: "count"
polarity: none
decimals: 0
order: 50
definition: >
  The children looked after at any time during the year, by their number of placement moves in the year (episodes starting in the year with reason for new episode P or B): 0, 1, 2, 3, 4 to 5, 6 to 9, 10 or more. Every group is given, 0 when none; 'Total' is all children looked after during the year.
numerator: children looked after during the year with that number of moves
denominator: none
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
),

bands(breakdown, lo, hi, ord) as (
    values ('0 moves', 0, 0, 1), ('1 move', 1, 1, 2), ('2 moves', 2, 2, 3), ('3 moves', 3, 3, 4),
        ('4 to 5 moves', 4, 5, 5), ('6 to 9 moves', 6, 9, 6), ('10 or more moves', 10, 1000000, 7),
        ('Total', 0, 1000000, 8)
)

select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    b.breakdown,
    count(m.child)::double as value,
    null as status,
    count(m.child)::double as numerator,
    null::double as denominator,
    $release as release
from bands as b
left join moves as m on m.n between b.lo and b.hi
group by b.breakdown, b.ord
order by b.ord
