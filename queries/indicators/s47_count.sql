/*
id: s47_count
title: Section 47 enquiries starting in the year
short_title: Section 47 enquiries
theme: cin
unit: count
polarity: none
decimals: 0
headline: false
order: 5
definition: >
  Enquiries under section 47 of the Children Act 1989 (where there is reasonable cause to suspect that
  a child is suffering, or is likely to suffer, significant harm) starting in the year to 31 March.
  National and regional figures are rounded by the publisher to the nearest 10.
numerator: section 47 enquiries starting in the year
denominator: none
sources: [stg_cin_section47]
source_files: [c4_children_in_need_section_47s_and_icpcs_2013_to_<year>.csv]
method: published
method_note: As published (Section47).
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(section47_count) as value,
    cs_status(section47_count) as status,
    cs_num(section47_count) as numerator,
    null::double as denominator,
    release
from staging.stg_cin_section47
