/*
id: cla_net_placements
title: Net gain of children looked after placed in the area by other local authorities
short_title: Net placements in
theme: placements
unit: count
polarity: none
decimals: 0
headline: false
order: 9
definition: >
  For children looked after on 31 March: the number placed inside this local authority's boundary by
  other local authorities, less the number this local authority placed outside its own boundary. Positive
  for a net importer of placements, negative for a net exporter. National and regional figures are rounded
  by the publisher to the nearest 10.
numerator: children of other LAs placed inside this LA, less this LA's children placed outside it
denominator: none
sources: [stg_cla_placement_netgain]
source_files: [la_cla_on_31_march_la_of_placement_netgain.csv]
method: published
method_note: >
  As published ("Net gain of children by responsible LA"), a signed count. The two counts it is made of
  stay in staging.stg_cla_placement_netgain.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(number) as value,
    cs_status(number) as status,
    cs_num(number) as numerator,
    null::double as denominator,
    release
from staging.stg_cla_placement_netgain
where measure = 'net_gain'
