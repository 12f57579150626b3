/*
id: cla_substance_misuse_pct
title: Children looked after identified as having a substance misuse problem
short_title: Substance misuse problem
theme: education
unit: "%"
polarity: lower_is_better
decimals: 0
headline: false
order: 12
definition: >
  Of the children looked after continuously for at least 12 months on 31 March, the percentage identified
  as having a substance misuse problem during the year.
numerator: children identified as having a substance misuse problem
denominator: children looked after for 12 months at 31 March (all ages)
sources: [stg_cla_outcomes]
source_files: [la_conviction_health_outcome_cla.csv, national_conviction_health_outcomes_for_cla.csv]
method: published
method_note: >
  The percentage as published; numerator and denominator are the published counts. For England, a year
  the newest local authority file does not cover comes from the newest release that has it, which may be
  the national-only file (2020 from the 2024 release, revising the 2022 release).
*/
with topic as (
    select * from staging.stg_cla_outcomes where topic = 'substance_misuse'
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
from topic as m
left join topic as t
    on t.release = m.release and t.time_period = m.time_period and t.geographic_level = m.geographic_level
    and t.area_code = m.area_code and t.measure = 'total'
where m.measure = 'substance_misuse'
