/*
id: cla_childrens_homes_pct
title: Children looked after at 31 March in secure homes or children's homes
short_title: Children looked after at 31 March in secure homes or children's homes
theme: placements
unit: "%"
polarity: none
decimals: 0
order: 50
definition: >
  Of the children looked after on 31 March, the percentage whose placement then was a secure children's home (K1) or a children's home subject to the Children's Homes Regulations (K2).
numerator: children looked after on 31 March in secure homes or children's homes
denominator: children looked after on 31 March
sources: [ssda903.at_year_end]
source_files: [episodes.csv]
method: derived
method_note: >
  The DfE's placement type grouping 'secure homes and children's homes'. Source: DfE, Children looked after in England including adoptions: methodology (explore-education-statistics.service.gov.uk/methodology/children-looked-after-in-england-including-adoptions).
*/
select
    $year::bigint as time_period,
    'Local authority' as geographic_level,
    $la as area_code,
    $la_name as area_name,
    'Total' as breakdown,
    case when count(*) > 0 then 100.0 * (count(*) filter (where place in ('K1', 'K2'))) / (count(*)) end as value,
    case when count(*) = 0 then 'z' end as status,
    (count(*) filter (where place in ('K1', 'K2')))::double as numerator,
    (count(*))::double as denominator,
    $release as release
from ssda903.at_year_end
where return_year = $year
