/*
id: cla_long_term_stability_pct
title: Children looked after for 2.5 years or more, under 16, living with the same carer for at least 2 years
short_title: Same carer 2+ years
theme: placements
unit: "%"
polarity: higher_is_better
decimals: 0
headline: false
order: 2
definition: >
  Of the children aged under 16 who had been looked after continuously for at least two and a half years
  on 31 March, the percentage who had lived with the same carer for at least two years, or who were placed
  for adoption and whose adoptive placement together with their previous placement lasted at least two
  years (the long-term placement stability measure). Releases up to 2022 word it "the same placement".
numerator: children in that group living with the same carer for at least 2 years
denominator: all children under 16 looked after continuously for at least 2.5 years on 31 March
sources: [stg_cla_placement_stability]
source_files: [la_cla_placement_stability.csv, la_cla_at_31_march_placement_stability_indicator.csv]
method: published
method_note: The percentage as published; numerator and denominator are the published counts.
*/
with cohort as (
    select * from staging.stg_cla_placement_stability where cohort = 'cla_2_5_years_under_16'
)

select
    m.time_period,
    m.geographic_level,
    m.area_code,
    m.area_name,
    'Total' as breakdown,
    cs_num(m.children_percent) as value,
    cs_status(m.children_percent) as status,
    cs_num(m.children_count) as numerator,
    cs_num(t.children_count) as denominator,
    m.release
from cohort as m
left join cohort as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.measure = 'total'
where m.measure = 'same_carer_2_years'
