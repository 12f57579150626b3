/*
id: stg_ofsted_providers_places_series
description: >
  England's children's social care providers (table 6a) and places (table 6b) at 31 March each year since
  2012, by provision type (sheet Providers+places_Time_series; the two tables are stacked in the sheet and
  told apart by their "Data type" column). The Date column mixes real dates (2023-03-31) with text such as
  "31-Mar-15 [Note 3]"; time_period is its year. The counts stay text, blank where Ofsted did not collect them.
raw: [ofsted_csc_providers_places_series]
columns: [Date, Data type, All Children's Homes, Children's Homes, Secure Children's Homes,
          "Residential special school (registered as a children's home)", All, _sheet]
*/
with dated as (
    select
        *,
        coalesce(
            try_cast(regexp_extract(trim("Date"), '^(\d{4})-\d{2}-\d{2}', 1) as integer),
            2000 + try_cast(regexp_extract(trim("Date"), '^\d{1,2}-[A-Za-z]{3}-(\d{2})\b', 1) as integer)
        ) as year
    from raw.ofsted_csc_providers_places_series
)

select
    year as time_period,
    'National' as geographic_level,
    'E92000001' as area_code,
    'England' as area_name,
    cs_label("Data type") as measure,
    trim("Date") as date_label,
    "Children's Homes" as childrens_homes,
    "All Children's Homes" as all_childrens_homes,
    "Secure Children's Homes" as secure_childrens_homes,
    "Residential special school (registered as a children's home)" as residential_special_schools_ch,
    "All" as all_providers,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _sheet as source_sheet,
    _line as source_line
from dated
