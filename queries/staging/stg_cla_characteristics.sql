/*
id: stg_cla_characteristics
description: >
  Children looked after at 31 March in England by age, gender, ethnicity, category of need, legal status,
  motherhood and placement (file national_cla_on_31_march_by_characteristics, 2024 release, 2020-2024;
  national rows only: the LA version of this file is not among the inputs). Placement labels carry the
  publisher's numbering, e.g. "1. Total foster placements", "4. Total secure homes and children's homes".
raw: [national_cla_on_31_march_by_characteristics]
columns: [cla_group, characteristic, number, percentage]
measures: [number, percentage]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    cs_label(cla_group) as group_key,
    trim(cla_group) as group_label,
    cs_label(characteristic) as characteristic_key,
    trim(characteristic) as characteristic_label,
    number,
    percentage,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.national_cla_on_31_march_by_characteristics
