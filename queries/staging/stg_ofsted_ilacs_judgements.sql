/*
id: stg_ofsted_ilacs_judgements
description: >
  Each local authority's latest ILACS judgements at 31 March, from Ofsted's inspection outcomes workbooks
  (2024: sheet Inspections_31_March_2024; 2025: Inspections_as_at_31_March) and from the children's social
  care in England workbook (2023: LA_level_at_31_Mar_2023). time_period is the year of the 31 March snapshot.
  The 2025 workbook added the area code and the publication date and renamed the sub-judgements ("Impact of
  leaders" became "The impact of leaders on social work practice with children and families", and so on);
  before 2025 the code comes from stg_ofsted_area_codes. Authorities not yet inspected (Cumberland and
  Westmorland and Furness in 2024) have "Not yet inspected" as the inspection date and blank judgements.
raw: [ofsted_ilacs_judgements, ofsted_csc_la_judgements]
columns: [Local authority area code, Local authority name, Ofsted region, Inspection date, Publication date,
          Overall effectiveness, The impact of leaders on social work practice with children and families,
          Impact of leaders, The experiences and progress of children who need help and protection,
          Experiences and progress of children who need help and protection,
          The experiences and progress of children in care, Experiences and progress of children in care,
          The experiences and progress of care leavers, Experiences and progress of care leavers, _sheet]
*/
with unioned as (
    select * from raw.ofsted_ilacs_judgements
    union all by name
    select * from raw.ofsted_csc_la_judgements
)

select
    u._vintage as time_period,
    'Local authority' as geographic_level,
    coalesce(nullif(trim(u."Local authority area code"), ''), c.area_code) as area_code,
    trim(u."Local authority name") as area_name,
    trim(u."Ofsted region") as ofsted_region,
    trim(u."Inspection date") as inspection_date,
    trim(u."Publication date") as publication_date,
    trim(u."Overall effectiveness") as overall_effectiveness,
    trim(coalesce(u."The impact of leaders on social work practice with children and families",
                  u."Impact of leaders")) as impact_of_leaders,
    trim(coalesce(u."The experiences and progress of children who need help and protection",
                  u."Experiences and progress of children who need help and protection")) as help_and_protection,
    trim(coalesce(u."The experiences and progress of children in care",
                  u."Experiences and progress of children in care")) as children_in_care,
    trim(coalesce(u."The experiences and progress of care leavers",
                  u."Experiences and progress of care leavers")) as care_leavers,
    u._release as release,
    u._vintage as vintage,
    u._file as source_file,
    u._sheet as source_sheet,
    u._line as source_line
from unioned as u
left join staging.stg_ofsted_area_codes as c on c.area_name = trim(u."Local authority name")
