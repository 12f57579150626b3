/*
id: stg_cin_referrals
description: >
  Referrals to children's social care in the year, by area. The 2025 release publishes them with
  re-referrals in c1_children_in_need_referrals_and_rereferrals (referral_count, rereferral_count,
  rereferral_percent); the 2024 release had no c1 file here and printed the total as Referrals in
  c5_children_in_need_referrals_by_source. Re-referral columns are NULL in c5 rows.
raw: [c1_children_in_need_referrals_and_rereferrals, c5_children_in_need_referrals_by_source]
columns: [category, referral_count, rereferral_count, rereferral_percent, Referrals]
measures: [referral_count, rereferral_count, rereferral_percent, Referrals]
*/
with unioned as (
    select * from raw.c1_children_in_need_referrals_and_rereferrals
    union all by name
    select * from raw.c5_children_in_need_referrals_by_source
)
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    trim(category) as category_label,
    coalesce(referral_count, Referrals) as referral_count,
    rereferral_count,
    rereferral_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from unioned
