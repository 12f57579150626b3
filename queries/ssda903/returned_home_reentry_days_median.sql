/*
id: returned_home_reentry_days_median
title: Median days to coming back into care after returning home
short_title: Days to re-entry (median)
theme: leaving_care
unit: "days"
polarity: none
decimals: 1
order: 50
definition: >
  Of the children who returned home (last ceasing episode in the year with REC E4A or E4B) and came back into care within 365 days (an episode with RNE S, found in any return supplied), the median number of days from the DEC to the first such DECOM (the mean of the middle two for an even number); split into planned (E4A) and unplanned (E4B) returns. Given only for the years whose next year's return is supplied.
numerator: days from returning home to coming back into care (median)
denominator: children who came back into care within 365 days
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
    median(b.days)::double as value,
    case when count(b.days) = 0 then 'z' end as status,
    null::double as numerator,
    count(b.days)::double as denominator,
    $release as release
from groups as g
left join back_in as b on list_contains(g.recs, b.rec)
where exists (select 1 from ssda903.returns where return_year = $year + 1)
group by g.breakdown, g.ord
order by g.ord
