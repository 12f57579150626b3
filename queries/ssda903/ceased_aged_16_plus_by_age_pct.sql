/*
id: ceased_aged_16_plus_by_age_pct
title: Children ceasing to be looked after aged 16 or over, by age on ceasing
short_title: Leaving care at 16, 17, 18+
theme: leaving_care
unit: "%"
polarity: none
decimals: 0
order: 50
definition: >
  Of the children who ceased to be looked after during the year (each once, at their last ceasing episode) aged 16 or over on the day they ceased, the shares ceasing at 16, at 17 and at 18 or over (age in whole years from the full date of birth as read). 'Total' is all of them (100).
numerator: children ceasing at that age
denominator: children ceasing aged 16 or over
sources: [ssda903.ceased]
source_files: [episodes.csv, header.csv]
method: derived
method_note: >
  A measure carestats derives from the council's SSDA903 return, as the definition says; no published table has it.
*/
with aged as (
    select age_at_dec as age from ssda903.ceased where return_year = $year and age_at_dec >= 16
),

bands(breakdown, lo, hi, ord) as (
    values ('16 years', 16, 16, 1), ('17 years', 17, 17, 2), ('18 years and over', 18, 999, 3), ('Total', 16, 999, 4)
)

select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    b.breakdown,
    case when (select count(*) from aged) > 0 then 100.0 * count(a.age) / (select count(*) from aged) end as value,
    case when (select count(*) from aged) = 0 then 'z' end as status,
    count(a.age)::double as numerator,
    (select count(*) from aged)::double as denominator,
    $release as release
from bands as b
left join aged as a on a.age between b.lo and b.hi
group by b.breakdown, b.ord
order by b.ord
