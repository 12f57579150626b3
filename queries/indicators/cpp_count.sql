/*
id: cpp_count
title: Children on a child protection plan at 31 March
short_title: On a protection plan
theme: cin
unit: count
polarity: none
decimals: 0
headline: false
order: 6
definition: >
  Children who were the subject of a child protection plan on 31 March. National and regional figures
  are rounded by the publisher to the nearest 10.
numerator: children on a child protection plan on 31 March
denominator: none
sources: [stg_cpp_at_31_march]
source_files: [d1_child_protection_plans_2013_to_<year>.csv, d5_cpps_at31march_by_duration_2013_to_<year>.csv]
method: published
method_note: >
  As published (CPP_At31): the child protection plans file of the 2024 release and the plans-by-duration
  file of the 2025 release; the latest release wins for each year.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(cpp_at31) as value,
    cs_status(cpp_at31) as status,
    cs_num(cpp_at31) as numerator,
    null::double as denominator,
    release
from staging.stg_cpp_at_31_march
