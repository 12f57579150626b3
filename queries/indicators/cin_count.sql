/*
id: cin_count
title: Children in need at 31 March
short_title: Children in need
theme: cin
unit: count
polarity: none
decimals: 0
headline: false
order: 1
definition: >
  Episodes of need open on 31 March: children assessed as in need of children's social care services,
  including those on a child protection plan and those looked after. National and regional figures are
  rounded by the publisher to the nearest 10; local authority figures are not rounded.
numerator: episodes of need open on 31 March
denominator: none
sources: [stg_cin_children_in_need]
source_files: [b1_children_in_need_2013_to_<year>.csv]
method: published
method_note: As published (At31_episodes), the latest release winning for each year.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(at31_episodes) as value,
    cs_status(at31_episodes) as status,
    cs_num(at31_episodes) as numerator,
    null::double as denominator,
    release
from staging.stg_cin_children_in_need
