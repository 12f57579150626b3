/*
id: cla_spend_per_child
title: Expenditure on children looked after per child looked after at 31 March (£)
short_title: Spend per child in care
theme: spending
unit: £
polarity: none
decimals: 0
headline: false
order: 2
definition: >
  Local authority total expenditure on children looked after in the financial year (MHCLG revenue outturn
  RO3), in pounds, divided by the number of children looked after on 31 March at the end of that financial
  year (DfE children looked after statistics).
numerator: total expenditure on children looked after (£)
denominator: children looked after on 31 March at the end of the financial year
sources: [stg_mhclg_ro3, stg_cla_number_and_rate]
source_files: [RO3_LA_Data_<year>_data_by_LA.ods, cla_number_and_rate_per_10k_children.csv]
method: derived
method_note: >
  1,000 × RO3-csclkd-tot-exp (£ thousands, total expenditure before income) ÷ children looked after at
  31 March of the same financial year end (2024-25 → 31 March 2025), from staging.stg_cla_number_and_rate,
  the latest DfE release of that year winning. Matched on the ONS area code. England divides MHCLG's
  England total by the DfE's England count, which the DfE rounds to the nearest 10. A suppressed or missing
  count, or expenditure not received, leaves the value unpublished with the symbol (c, x …); a count of
  zero gives z.
notes: >
  Figures far from the rest are kept as MHCLG published them: Harrow's 2023-24 return shows 0 for children
  looked after (MHCLG's note 3: Harrow did not provide these figures for the first release), and Sandwell,
  whose children's services are run by a trust, shows £244 thousand (2023-24) and £5 thousand (2024-25).
*/
with children as (
    select area_code, time_period, children_count
    from staging.stg_cla_number_and_rate
    where measure = 'at_31_march'
    qualify row_number() over (partition by area_code, time_period order by vintage desc, release desc) = 1
),

joined as (
    select
        r.time_period,
        r.geographic_level,
        r.area_code,
        r.area_name,
        r.cla_expenditure,
        c.children_count,
        r.release,
        1000 * cs_num(r.cla_expenditure) / nullif(cs_num(c.children_count), 0) as per_child
    from staging.stg_mhclg_ro3 as r
    left join children as c
        on c.area_code = r.area_code and c.time_period = r.time_period % 100 + 2000
)

select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    per_child as value,
    case when per_child is null then coalesce(
        cs_status(cla_expenditure),
        cs_status(children_count),
        case when cs_num(children_count) = 0 then 'z' end,
        'x'
    ) end as status,
    1000 * cs_num(cla_expenditure) as numerator,
    cs_num(children_count) as denominator,
    release
from joined
