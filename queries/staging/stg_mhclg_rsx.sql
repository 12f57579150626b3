/*
id: stg_mhclg_rsx
description: >
  MHCLG revenue outturn RSX (service expenditure summary) by local authority, £ thousand, for the children's
  social care service total (RSX-csc-tot-exp), which equals the RO3 total line (RO3-csctot-tot-exp). Same
  rows, periods and symbols as stg_mhclg_ro3.
raw: [mhclg_rsx]
columns: [E-code, ONS Code, Local authority, Class, RSX-csc-tot-exp, RSX-csc-net-cur-exp, _sheet]
*/
select
    (_vintage - 1) * 100 + _vintage % 100 as time_period,
    case trim("Class") when 'Eng' then 'National' else 'Local authority' end as geographic_level,
    trim("ONS Code") as area_code,
    case trim("Class") when 'Eng' then 'England' else trim("Local authority") end as area_name,
    trim("Local authority") as published_name,
    trim("Class") as la_class,
    case lower(trim("RSX-csc-tot-exp")) when '[x]' then 'x' when '[z]' then 'z' when '[n]' then 'x'
        else trim("RSX-csc-tot-exp") end as csc_expenditure,
    case lower(trim("RSX-csc-net-cur-exp")) when '[x]' then 'x' when '[z]' then 'z' when '[n]' then 'x'
        else trim("RSX-csc-net-cur-exp") end as csc_net_expenditure,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _sheet as source_sheet,
    _line as source_line
from raw.mhclg_rsx
where trim("Class") in ('UA', 'MD', 'LB', 'SC', 'Eng')
    and regexp_full_match(trim("ONS Code"), 'E\d{8}')
