/*
id: cla_ceasing_by_age
title: Children who ceased to be looked after during the year, by age on ceasing
short_title: Ceased care, by age
theme: leaving_care
unit: count
polarity: none
decimals: 0
headline: false
order: 1
same_quantity_as: cla_ceasing  # its Total is cla_ceasing, published in another file
definition: >
  The number of children who ceased to be looked after during the year ending 31 March, by their age on
  the day they ceased (the breakdown is the publisher's age group, e.g. '16 years' or '18 years and over';
  'Total' is all who ceased). A child who ceased more than once in the year is counted once, at the last
  occasion. National and regional figures are rounded by the publisher to the nearest 10.
numerator: children who ceased to be looked after during the year, in the age group
denominator: none
sources: [stg_cla_ceased]
source_files: [la_children_who_ceased_during_the_year.csv]
method: published
method_note: As published; the breakdown is the publisher's age label, trimmed.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    category_label as breakdown,
    cs_num(children_count) as value,
    cs_status(children_count) as status,
    cs_num(children_count) as numerator,
    null::double as denominator,
    release
from staging.stg_cla_ceased
where cla_group = 'age'
