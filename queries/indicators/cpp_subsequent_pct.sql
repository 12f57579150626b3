/*
id: cpp_subsequent_pct
title: Child protection plans starting in the year that were a second or subsequent plan (%)
short_title: Repeat protection plans
theme: cin
unit: "%"
polarity: lower_is_better
decimals: 1
headline: false
order: 8
definition: >
  Of the child protection plans that started in the year to 31 March, the percentage that were the
  child's second or subsequent plan (at any time).
numerator: plans starting in the year that were a second or subsequent plan
denominator: plans starting in the year
sources: [stg_cpp_subsequent]
source_files: [d3_cpps_subsequent_plan_2013_to_<year>.csv]
method: published
method_note: As published (CPP_subsequent_percent).
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(cpp_subsequent_percent) as value,
    cs_status(cpp_subsequent_percent) as status,
    cs_num(cpp_subsequent) as numerator,
    cs_num(cpp_start) as denominator,
    release
from staging.stg_cpp_subsequent
