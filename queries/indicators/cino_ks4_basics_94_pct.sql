/*
id: cino_ks4_basics_94_pct
title: Children in need achieving grade 4 or above in English and maths at key stage 4
short_title: GCSE English and maths 4+ (CIN)
theme: education
unit: "%"
polarity: higher_is_better
decimals: 1
headline: false
order: 3
definition: >
  Of the pupils at the end of key stage 4 who were children in need on 31 March (excluding children
  looked after and children on a child protection plan), the percentage who achieved grade 4 or above in
  both English and mathematics GCSEs. Context for the looked-after children's figure.
numerator: children in need at the end of key stage 4 with grade 4 or above in English and maths
denominator: children in need (not looked after, not on a plan) at the end of key stage 4
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
where cohort = 'cino'
