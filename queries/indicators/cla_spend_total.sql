/*
id: cla_spend_total
title: Total expenditure on children looked after (£ thousands)
short_title: Spend on children in care
theme: spending
unit: £ thousands
polarity: none
decimals: 0
headline: false
order: 1
definition: >
  Local authority total expenditure on children looked after in the financial year (RO3 line "Children Looked
  After", column C3 total expenditure = employees + running expenses, before income), in £ thousands as MHCLG
  reports it. England is MHCLG's published total, which estimates the authorities whose returns were late.
numerator: total expenditure on children looked after (£ thousands)
denominator: none
sources: [stg_mhclg_ro3]
source_files: [RO3_LA_Data_<year>_data_by_LA.ods]
method: published
method_note: >
  As published (variable RO3-csclkd-tot-exp). An authority whose return was not received in time is [x] in
  the workbook and keeps status x.
notes: >
  Figures far from the rest are kept as MHCLG published them: Harrow's 2023-24 return shows 0 for children
  looked after (MHCLG's note 3: Harrow did not provide these figures for the first release), and Sandwell,
  whose children's services are run by a trust, shows £244 thousand (2023-24) and £5 thousand (2024-25).
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    cs_num(cla_expenditure) as value,
    cs_status(cla_expenditure) as status,
    cs_num(cla_expenditure) as numerator,
    null::double as denominator,
    release
from staging.stg_mhclg_ro3
