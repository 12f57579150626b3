/*
id: stg_cla_placement_netgain
description: >
  Children looked after at 31 March placed across LA boundaries, by area and year (file
  la_cla_on_31_march_la_of_placement_netgain, 2024 release, 2020-2024): children of other LAs placed
  inside this one, this LA's children placed outside it, and the net gain (the first less the second,
  negative for a net exporter). `number` is not listed under measures because the net gain is a signed
  figure, which the input check's negative-count rule would reject; the indicators read it with cs_num.
raw: [la_cla_on_31_march_la_of_placement_netgain]
columns: [characteristic, number]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when cs_label(characteristic) like '1. children who are the responsibility of other las placed%'
            then 'placed_in'
        when cs_label(characteristic) like '2. children who are the responsibility of this la placed outside%'
            then 'placed_out'
        when cs_label(characteristic) = 'net gain of children by responsible la' then 'net_gain'
    end as measure,
    trim(characteristic) as measure_label,
    number,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.la_cla_on_31_march_la_of_placement_netgain
