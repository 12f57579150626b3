/*
id: cla_count
title: Children looked after at 31 March
short_title: Children looked after at 31 March
theme: children_in_care
unit: "count"
polarity: none
decimals: 0
order: 50
definition: >
  From the council's own return: the children with an episode (short breaks, legal status V3 or V4, left out) that began on or before 31 March (DECOM) and had not ended by then (DEC blank or after 31 March); each child counted once.
numerator: children looked after on 31 March
denominator: none
sources: [ssda903.at_year_end]
source_files: [episodes.csv]
method: derived
method_note: >
  As the DfE counts children looked after at 31 March from the SSDA903 return. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    (count(*))::double as value,
    null as status,
    (count(*))::double as numerator,
    null::double as denominator,
    $release as release
from ssda903.at_year_end
where return_year = $year
