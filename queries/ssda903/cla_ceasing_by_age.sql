/*
id: cla_ceasing_by_age
title: Children who ceased to be looked after during the year, by age on ceasing
short_title: Children who ceased to be looked after during the year, by age on ceasing
theme: leaving_care
unit: "count"
polarity: none
decimals: 0
order: 50
definition: >
  From the council's own return: the children who ceased to be looked after during the year (each once, at their last ceasing episode), by their age in whole years on the day they ceased (DEC), computed from the full date of birth as read from the return. Every age group is given, 0 when none; 'Total' is every child who ceased (cla_ceasing), as published, so a child whose date of birth is not in the return's header (no age) is in the Total only.
numerator: children who ceased to be looked after during the year, in the age group
denominator: none
sources: [ssda903.ceased]
source_files: [episodes.csv, header.csv]
method: derived
method_note: >
  The DfE's published age groups. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
with bands(breakdown, lo, hi, ord) as (
    values ('Under 1 year', 0, 0, 1), ('1 to 4 years', 1, 4, 2), ('5 to 9 years', 5, 9, 3),
        ('10 to 15 years', 10, 15, 4), ('16 years', 16, 16, 5), ('17 years', 17, 17, 6),
        ('18 years and over', 18, 999, 7), ('Total', -1, 999, 8)
),

aged as (
    select coalesce(age_at_dec, -1) as age from ssda903.ceased where return_year = $year
)

select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    b.breakdown,
    count(a.age)::double as value,
    null as status,
    count(a.age)::double as numerator,
    null::double as denominator,
    $release as release
from bands as b
left join aged as a on a.age between b.lo and b.hi
group by b.breakdown, b.ord
order by b.ord
