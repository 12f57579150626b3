/*
id: ilacs_overall_effectiveness
title: Ofsted overall effectiveness of children's services (latest ILACS judgement at 31 March)
short_title: Ofsted judgement
theme: inspection
unit: grade
polarity: lower_is_better
decimals: 0
headline: false
order: 1
definition: >
  The overall effectiveness judgement of the local authority's latest inspection of children's services
  (ILACS) in force at 31 March, as a grade: 1 Outstanding, 2 Good, 3 Requires improvement to be good,
  4 Inadequate. time_period is the year of the 31 March snapshot (2023 from Ofsted's children's social care
  in England 2023 workbook, 2024 and 2025 from the inspection outcomes workbooks).
numerator: none
denominator: none
sources: [stg_ofsted_ilacs_judgements]
source_files: [LA_Inspection_Outcomes_as_at_31_March_<year>.ods, Childrens_social_care_in_England_2023_underlying_data.ods]
method: published
method_note: >
  Ofsted's judgement as published, coded 1 to 4. A blank judgement is never 0: an authority Ofsted lists as
  "Not yet inspected" (Cumberland and Westmorland and Furness, created on 1 April 2023, at 31 March 2024)
  gets status z (not applicable: no ILACS judgement exists yet); any other blank judgement gets x (not
  available). Local authority codes for the years before 2025 are matched from the names Ofsted prints.
*/
select
    time_period,
    geographic_level,
    area_code,
    area_name,
    'Total' as breakdown,
    case cs_label(overall_effectiveness)
        when 'outstanding' then 1
        when 'good' then 2
        when 'requires improvement to be good' then 3
        when 'inadequate' then 4
    end as value,
    case
        when nullif(overall_effectiveness, '') is not null then null
        when cs_label(inspection_date) = 'not yet inspected' then 'z'
        else 'x'
    end as status,
    null::double as numerator,
    null::double as denominator,
    release
from staging.stg_ofsted_ilacs_judgements
