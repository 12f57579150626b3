/*
id: stg_ofsted_ilacs_history
description: >
  Every ILACS inspection since 2018, one row per inspection (sheet ILACS_inspection_history of Ofsted's
  inspection outcomes workbook, from 2025), including the authorities that no longer exist (status "No longer
  exists", e.g. Cumbria and Northamptonshire). Dates are kept as the workbook gives them (ISO text); the
  sub-judgement on care leavers is blank for inspections before 1 January 2023, when it was introduced.
raw: [ofsted_ilacs_history]
columns: [Local authority area code, Local authority name, Local authority status, Ofsted region,
          Inspection date, Publication date, Inspection type, Overall effectiveness,
          The impact of leaders on social work practice with children and families,
          The experiences and progress of children who need help and protection,
          The experiences and progress of children in care, The experiences and progress of care leavers, _sheet]
*/
select
    trim("Local authority area code") as area_code,
    trim("Local authority name") as area_name,
    trim("Local authority status") as la_status,
    trim("Ofsted region") as ofsted_region,
    trim("Inspection date") as inspection_date,
    trim("Publication date") as publication_date,
    try_cast(left(trim("Inspection date"), 10) as date) as inspection_day,
    trim("Inspection type") as inspection_type,
    trim("Overall effectiveness") as overall_effectiveness,
    trim("The impact of leaders on social work practice with children and families") as impact_of_leaders,
    trim("The experiences and progress of children who need help and protection") as help_and_protection,
    trim("The experiences and progress of children in care") as children_in_care,
    trim("The experiences and progress of care leavers") as care_leavers,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _sheet as source_sheet,
    _line as source_line
from raw.ofsted_ilacs_history
