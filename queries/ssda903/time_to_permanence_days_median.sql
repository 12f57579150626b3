/*
id: time_to_permanence_days_median
title: Median days from entering care to adoption or special guardianship
short_title: Days to permanence (median)
theme: leaving_care
unit: "days"
polarity: lower_is_better
decimals: 0
order: 50
definition: >
  Of the children whose last ceasing episode in the year ended in adoption (REC E11 or E12) or a special guardianship order (E43 or E44), the median number of days from the start of their period of care (the DECOM of the episode with RNE S that began it, followed back through the returns supplied) to that DEC; 'Total', adoption and special guardianship.
numerator: days from entering care to permanence (median)
denominator: children who ceased on adoption or a special guardianship order
sources: [ssda903.ceased]
source_files: [episodes.csv]
method: derived
method_note: >
  A measure carestats derives from the council's SSDA903 return, as the definition says; no published table has it.
*/
with perm as (
    select child, rec, dec - period_start as days
    from ssda903.ceased
    where return_year = $year and rec in ('E11', 'E12', 'E43', 'E44') and period_start is not null
),

groups(breakdown, recs, ord) as (
    values ('Total', ['E11', 'E12', 'E43', 'E44'], 1), ('Adoption', ['E11', 'E12'], 2),
        ('Special guardianship order', ['E43', 'E44'], 3)
)

select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    g.breakdown,
    median(p.days)::double as value,
    case when count(p.days) = 0 then 'z' end as status,
    null::double as numerator,
    count(p.days)::double as denominator,
    $release as release
from groups as g
left join perm as p on list_contains(g.recs, p.rec)
group by g.breakdown, g.ord
order by g.ord
