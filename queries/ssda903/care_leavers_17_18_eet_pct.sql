/*
id: care_leavers_17_18_eet_pct
title: Care leavers aged 17 to 18 in education, employment or training
short_title: Care leavers aged 17 to 18 in education, employment or training
theme: leaving_care
unit: "%"
polarity: higher_is_better
decimals: 0
order: 50
definition: >
  Of the care leavers in the return's OC3 table (those whose 17th to 21st birthday fell in the year and who were looked after for at least 13 weeks after their 14th birthday, including some time after their 16th) aged 17 to 18 on their birthday in the year (their age on 31 March, from the full date of birth as read), the percentage 18 in education, employment or training (ACTIV F1, P1, F2, P2, F3 or P3).
numerator: care leavers aged 17 to 18 in education, employment or training (ACTIV F1, P1, F2, P2, F3 or P3)
denominator: care leavers aged 17 to 18 in the return's OC3 table
sources: [ssda903.oc3]
source_files: [oc3.csv]
method: derived
method_note: >
  The DfE's care leaver measures from the OC3 table. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where activ in ('F1', 'P1', 'F2', 'P2', 'F3', 'P3'))) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where activ in ('F1', 'P1', 'F2', 'P2', 'F3', 'P3')))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from ssda903.oc3
where return_year = $year and age_at_year_end between 17 and 18
