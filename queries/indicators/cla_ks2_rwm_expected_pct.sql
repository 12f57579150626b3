/*
id: cla_ks2_rwm_expected_pct
title: Children looked after reaching the expected standard in reading, writing and maths at key stage 2
short_title: KS2 reading, writing, maths (CLA)
theme: education
unit: "%"
polarity: higher_is_better
decimals: 0
headline: false
order: 4
definition: >
  Of the pupils at the end of key stage 2 (year 6, age 10 to 11) who had been looked after continuously
  for at least 12 months on 31 March, the percentage who reached the expected standard in reading,
  writing and mathematics combined. There were no key stage 2 assessments in 2019/20 and 2020/21 (shown
  as not available).
numerator: pupils looked after for 12 months at 31 March reaching the expected standard in all three
denominator: pupils at the end of key stage 2 looked after for 12 months at 31 March, eligible to be assessed
sources: [stg_ks2]
source_files: [ks2_la.csv]
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
    cs_num(pt_rwm_met_expected_standard) as value,
    cs_status(pt_rwm_met_expected_standard) as status,
    cs_num(t_rwm_met_expected_standard) as numerator,
    cs_num(t_rwm_eligible_pupils) as denominator,
    release
from staging.stg_ks2
where cohort = 'cla_12_months'
