/*
id: cin_referrals
title: Referrals to children's social care in the year
short_title: Referrals
theme: cin
unit: count
polarity: none
decimals: 0
headline: false
order: 3
definition: >
  Referrals to children's social care services received in the year to 31 March (a child referred more
  than once is counted each time). National and regional figures are rounded by the publisher to the
  nearest 10.
numerator: referrals received in the year
denominator: none
sources: [stg_cin_referrals]
source_files: [c1_children_in_need_referrals_and_rereferrals_2013_to_<year>.csv, c5_children_in_need_referrals_by_source_2014_to_<year>.csv]
method: published
method_note: >
  As published: referral_count in the referrals and re-referrals file (2025 release, from 2013), or the
  Referrals total of the referrals-by-source file where that is the only release (2024 release, from
  2014); the latest release wins for each year.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(referral_count) as value,
    cs_status(referral_count) as status,
    cs_num(referral_count) as numerator,
    null::double as denominator,
    release
from staging.stg_cin_referrals
