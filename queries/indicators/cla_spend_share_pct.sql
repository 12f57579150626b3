/*
id: cla_spend_share_pct
title: Share of children's social care expenditure spent on children looked after
short_title: Share of spend on children in care
theme: spending
unit: "%"
polarity: none
decimals: 1
headline: false
order: 3
definition: >
  Total expenditure on children looked after as a percentage of total children's social care expenditure in
  the financial year, both from MHCLG's revenue outturn (RO3), before income.
numerator: total expenditure on children looked after (RO3-csclkd-tot-exp, £ thousands)
denominator: total children's social care expenditure (RO3-csctot-tot-exp, £ thousands)
sources: [stg_mhclg_ro3]
source_files: [RO3_LA_Data_<year>_data_by_LA.ods]
method: derived
method_note: >
  100 × RO3 "Children Looked After" total expenditure ÷ RO3 "TOTAL CHILDREN SOCIAL CARE" total expenditure,
  from the published (unrounded) £ thousand figures of the same return. The RO3 total equals the "Children
  Social Care" total expenditure of the RSX summary for every authority (tested). When either figure is not
  available, the row keeps its symbol (x when the return was not received).
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
    cs_pct(cs_num(cla_expenditure), cs_num(csc_expenditure)) as value,
    case when cs_pct(cs_num(cla_expenditure), cs_num(csc_expenditure)) is null
        then coalesce(cs_status(cla_expenditure), cs_status(csc_expenditure), 'x') end as status,
    cs_num(cla_expenditure) as numerator,
    cs_num(csc_expenditure) as denominator,
    release
from staging.stg_mhclg_ro3
