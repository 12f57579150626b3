/*
id: cin_rereferral_pct
title: Referrals in the year that were within 12 months of a previous referral (%)
short_title: Re-referrals within 12 months
theme: cin
unit: "%"
polarity: lower_is_better
decimals: 1
headline: false
order: 4
definition: >
  The percentage of referrals in the year to 31 March that came within 12 months of a previous referral
  of the same child.
numerator: referrals within 12 months of a previous referral
denominator: referrals in the year
sources: [stg_cin_referrals]
source_files: [c1_children_in_need_referrals_and_rereferrals_2013_to_<year>.csv]
method: published
method_note: As published (rereferral_percent).
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(rereferral_percent) as value,
    cs_status(rereferral_percent) as status,
    cs_num(rereferral_count) as numerator,
    cs_num(referral_count) as denominator,
    release
from staging.stg_cin_referrals
where rereferral_percent is not null
