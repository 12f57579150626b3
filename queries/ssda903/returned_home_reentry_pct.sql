/*
id: returned_home_reentry_pct
title: Children who returned home and came back into care within a year
short_title: Back into care within a year
theme: leaving_care
unit: "%"
polarity: lower_is_better
decimals: 0
order: 50
definition: >
  Of the children whose last ceasing episode in the year ended with a return home (REC E4A, planned as part of the care planning process, or E4B, not planned), the percentage with an episode with reason for new episode S (a new period of care) whose DECOM is 1 to 365 days after that DEC, found in any return supplied; split into planned (E4A) and unplanned (E4B) returns. Given only for the years whose next year's return is supplied.
numerator: children who returned home and started a new period of care within 365 days
denominator: children whose last ceasing episode in the year was a return home (E4A or E4B)
sources: [ssda903.returned_home]
source_files: [episodes.csv]
method: derived
method_note: >
  A measure carestats derives from the council's SSDA903 return, as the definition says; no published table has it.
*/
with back_in as (
    select child, rec, days from ssda903.returned_home where return_year = $year
),

groups(breakdown, recs, ord) as (
    values ('Total', ['E4A', 'E4B'], 1), ('Planned return home (E4A)', ['E4A'], 2),
        ('Unplanned return home (E4B)', ['E4B'], 3)
)

select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    g.breakdown,
    case when count(b.child) > 0 then 100.0 * count(b.days) / count(b.child) end as value,
    case when count(b.child) = 0 then 'z' end as status,
    count(b.days)::double as numerator,
    count(b.child)::double as denominator,
    $release as release
from groups as g
left join back_in as b on list_contains(g.recs, b.rec)
where exists (select 1 from ssda903.returns where return_year = $year + 1)
group by g.breakdown, g.ord
order by g.ord
