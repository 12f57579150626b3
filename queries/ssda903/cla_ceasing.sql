/*
id: cla_ceasing
title: Children who ceased to be looked after during the year
short_title: Children who ceased to be looked after during the year
theme: children_in_care
unit: "count"
polarity: none
decimals: 0
order: 50
definition: >
  From the council's own return: the children with an episode ending (DEC) in the year with a reason episode ceased (REC) other than X1 (episode ends and a new one begins); each child counted once, at their last such episode. Short breaks left out.
numerator: children who ceased to be looked after during the year
denominator: none
sources: [ssda903.ceased]
source_files: [episodes.csv]
method: derived
method_note: >
  As the DfE counts children ceasing from the SSDA903 return. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
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
from ssda903.ceased
where return_year = $year
