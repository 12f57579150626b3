/*
id: stg_mhclg_ro3
description: >
  MHCLG revenue outturn RO3 (social care and public health) by local authority, £ thousand as the workbook
  says ("Data are reported in £ thousand"; checked when the workbook is read). Columns are named by MHCLG's
  variable codes (RO3-csclkd-tot-exp …), which hold across years although the 2023-24 sheet prints two header
  rows and the 2024-25 sheet one. Only authorities with children's social care duties (class UA, MD, LB, SC)
  and England are kept; time_period is the financial year, 202425 for 2024-25. area_name is MHCLG's name
  ("Thurrock UA", "Barking & Dagenham"), except "ENGLAND", named England as in every other view. MHCLG's symbols are written in
  brackets: [x] (not received in time for publication) becomes x, [z] (not collected) z, and [n] (no
  appropriate estimation) x; numbers stay text.
raw: [mhclg_ro3]
columns: [E-code, ONS Code, Local authority, Class, RO3-csclkd-tot-exp, RO3-csclkd-net-cur-exp,
          RO3-csctot-tot-exp, RO3-csctot-net-cur-exp, _sheet]
*/
select
    (_vintage - 1) * 100 + _vintage % 100 as time_period,
    case trim("Class") when 'Eng' then 'National' else 'Local authority' end as geographic_level,
    trim("ONS Code") as area_code,
    case trim("Class") when 'Eng' then 'England' else trim("Local authority") end as area_name,
    trim("Local authority") as published_name,
    trim("Class") as la_class,
    case lower(trim("RO3-csclkd-tot-exp")) when '[x]' then 'x' when '[z]' then 'z' when '[n]' then 'x'
        else trim("RO3-csclkd-tot-exp") end as cla_expenditure,
    case lower(trim("RO3-csclkd-net-cur-exp")) when '[x]' then 'x' when '[z]' then 'z' when '[n]' then 'x'
        else trim("RO3-csclkd-net-cur-exp") end as cla_net_expenditure,
    case lower(trim("RO3-csctot-tot-exp")) when '[x]' then 'x' when '[z]' then 'z' when '[n]' then 'x'
        else trim("RO3-csctot-tot-exp") end as csc_expenditure,
    case lower(trim("RO3-csctot-net-cur-exp")) when '[x]' then 'x' when '[z]' then 'z' when '[n]' then 'x'
        else trim("RO3-csctot-net-cur-exp") end as csc_net_expenditure,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _sheet as source_sheet,
    _line as source_line
from raw.mhclg_ro3
where trim("Class") in ('UA', 'MD', 'LB', 'SC', 'Eng')
    and regexp_full_match(trim("ONS Code"), 'E\d{8}')
