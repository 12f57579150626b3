/*
id: cla_starting
title: Children who started to be looked after during the year
short_title: Children who started to be looked after during the year
theme: children_in_care
unit: "count"
polarity: none
decimals: 0
order: 50
definition: >
  From the council's own return: the children with an episode with reason for new episode S (started to be looked after) whose DECOM falls in the year 1 April to 31 March; each child counted once. Short breaks left out.
numerator: children who started to be looked after during the year
denominator: none
sources: [ssda903.eps]
source_files: [episodes.csv]
method: derived
method_note: >
  As the DfE counts starts from the SSDA903 return. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    (count(distinct child))::double as value,
    null as status,
    (count(distinct child))::double as numerator,
    null::double as denominator,
    $release as release
from ssda903.eps
where return_year = $year and rne = 'S' and decom between year_start and year_end
