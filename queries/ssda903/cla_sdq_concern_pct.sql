/*
id: cla_sdq_concern_pct
title: Children looked after for 12 months whose SDQ score is a cause for concern
short_title: Children looked after for 12 months whose SDQ score is a cause for concern
theme: education
unit: "%"
polarity: lower_is_better
decimals: 0
order: 50
definition: >
  Of the children in the return's OC2 table aged 5 to 16 on 31 March with an SDQ score (a whole number from 0 to 40), the percentage whose score is 17 or more (a cause for concern).
numerator: children aged 5 to 16 with an SDQ score of 17 or more
denominator: children aged 5 to 16 in the OC2 table with an SDQ score
sources: [ssda903.oc2]
source_files: [oc2.csv]
method: derived
method_note: >
  The DfE's emotional and behavioural health measure. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where try_cast(sdq_score as integer) >= 17)) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where try_cast(sdq_score as integer) >= 17))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from ssda903.oc2
where return_year = $year and age_at_year_end between 5 and 16 and try_cast(sdq_score as integer) between 0 and 40
