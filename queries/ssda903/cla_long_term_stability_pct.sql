/*
id: cla_long_term_stability_pct
title: Children looked after long term who lived with the same carer for two years
short_title: Children looked after long term who lived with the same carer for two years
theme: placements
unit: "%"
polarity: higher_is_better
decimals: 0
order: 50
definition: >
  Of the children aged under 16 on 31 March who had been looked after continuously for at least two and a half years (their period of care began on or before 30 September two and a half years earlier), the percentage who had lived with the same carer for at least two years (their current placement with a new carer began on or before 31 March two years earlier), or who were placed for adoption and whose adoptive placement together with the placement before it lasted at least two years. Periods of care and placements are followed back through the returns supplied (short breaks left out).
numerator: children in that group with the same carer for at least 2 years
denominator: children under 16 looked after continuously for at least 2.5 years on 31 March
sources: [ssda903.at_year_end]
source_files: [episodes.csv, header.csv]
method: derived
method_note: >
  The DfE's long-term placement stability measure. Source: DfE, Stability measures for children looked after in England: methodology (explore-education-statistics.service.gov.uk/find-statistics/stability-measures-for-children-looked-after-in-england).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where stability_start <= make_date($year - 2, 3, 31))) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where stability_start <= make_date($year - 2, 3, 31)))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from ssda903.at_year_end
where return_year = $year and age_at_year_end < 16 and period_start <= make_date($year - 3, 9, 30)
