/*
id: stg_ofsted_providers_places
description: >
  Every children's social care provision active at 31 March, with its places (sheet
  Providers+places_at_31_Mar_<year> of Ofsted's children's social care in England workbook; the
  Provider_level sheet lists only inspected provisions and is not used). provision_key is the provision type
  trimmed and case-folded: the 2023 sheet spells children's homes both "Children's home" (3,042) and
  "Children's Home" (8). time_period is the year of the 31 March snapshot; the area code comes from
  stg_ofsted_area_codes.
raw: [ofsted_csc_providers_places]
columns: [URN, Provision type, Registration status, Local authority, Government Office Region, Sector, Places,
          _sheet]
*/
select
    p._vintage as time_period,
    'Local authority' as geographic_level,
    c.area_code,
    trim(p."Local authority") as area_name,
    trim(p."Government Office Region") as region_name,
    trim(p."URN") as urn,
    cs_label(p."Provision type") as provision_key,
    trim(p."Provision type") as provision_type,
    trim(p."Registration status") as registration_status,
    trim(p."Sector") as sector,
    p."Places" as places,
    p._release as release,
    p._vintage as vintage,
    p._file as source_file,
    p._sheet as source_sheet,
    p._line as source_line
from raw.ofsted_csc_providers_places as p
left join staging.stg_ofsted_area_codes as c on c.area_name = trim(p."Local authority")
