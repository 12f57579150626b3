/*
id: cla_ks4_attainment8
title: Average Attainment 8 score of children looked after at key stage 4
short_title: Attainment 8 (CLA)
theme: education
unit: "score"
polarity: higher_is_better
decimals: 1
headline: false
order: 2
definition: >
  The average Attainment 8 score (a pupil's points across eight GCSE-level qualifications, English and
  maths counted twice) of the pupils at the end of key stage 4 who had been looked after continuously for
  at least 12 months on 31 March.
numerator: total Attainment 8 points of pupils looked after for 12 months at 31 March
denominator: pupils at the end of key stage 4 looked after for 12 months at 31 March
sources: [stg_ks4]
source_files: [ks4_la.csv]
method: published
method_note: >
  As published, for the academic year (time_period 202425 is 2024/25). The publisher marks each year's
  figures Final or Revised; the latest release's figures are used whichever version they are.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(avg_att8) as value,
    cs_status(avg_att8) as status,
    cs_num(t_att8) as numerator,
    cs_num(t_pupils) as denominator,
    release
from staging.stg_ks4
where cohort = 'cla_12_months'
