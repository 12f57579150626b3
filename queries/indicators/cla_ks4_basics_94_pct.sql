/*
id: cla_ks4_basics_94_pct
title: Children looked after achieving grade 4 or above in English and maths at key stage 4
short_title: GCSE English and maths 4+ (CLA)
theme: education
unit: "%"
polarity: higher_is_better
decimals: 1
headline: true
order: 1
definition: >
  Of the pupils at the end of key stage 4 (usually year 11, age 15 to 16) who had been looked after
  continuously for at least 12 months on 31 March, the percentage who achieved grade 4 or above in both
  English and mathematics GCSEs.
numerator: pupils looked after for 12 months at 31 March with grade 4 or above in English and maths
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
    cs_num(pt_l2basics_94) as value,
    cs_status(pt_l2basics_94) as status,
    cs_num(t_l2basics_94) as numerator,
    cs_num(t_pupils) as denominator,
    release
from staging.stg_ks4
where cohort = 'cla_12_months'
