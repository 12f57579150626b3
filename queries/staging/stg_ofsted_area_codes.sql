/*
id: stg_ofsted_area_codes
description: >
  The ONS code of every local authority name the Ofsted workbooks print. Ofsted's workbooks before 2025 name
  local authorities without a code, and spell them their own way ("Bristol", "Southend on Sea",
  "Bournemouth, Christchurch & Poole", "Kingston Upon Hull"). A name is matched on a key that ignores case,
  punctuation, "&"/"and", ", City of"/", County of" and a leading "County ": first to the codes Ofsted itself
  prints beside the same name (inspection outcomes from 2025, inspection history), then to the DfE's
  local authority names in the children looked after files. One row per name as printed.
  (The DfE names come from staging.stg_cla_number_and_rate, created before this view.)
raw: [ofsted_ilacs_judgements, ofsted_ilacs_history, ofsted_csc_la_judgements, ofsted_csc_providers_places]
columns: [Local authority area code, Local authority name, Local authority]
*/
with coded as (
    select trim("Local authority name") as name, trim("Local authority area code") as code, 1 as rank, _vintage as vintage
    from raw.ofsted_ilacs_judgements
    union all
    select trim("Local authority name"), trim("Local authority area code"), 1, _vintage
    from raw.ofsted_ilacs_history
    union all
    select area_name, area_code, 2, vintage
    from staging.stg_cla_number_and_rate
    where geographic_level = 'Local authority'
),

printed as (
    select trim("Local authority name") as name from raw.ofsted_ilacs_judgements
    union
    select trim("Local authority name") from raw.ofsted_csc_la_judgements
    union
    select trim("Local authority") from raw.ofsted_csc_providers_places
    union
    select name from coded where rank = 1
),

keyed as (
    select
        name,
        trim(regexp_replace(
            regexp_replace(
                regexp_replace(replace(lower(name), '&', ' and '), ',\s*(city|county) of\s*$', ''),
                '^county\s+', ''),
            '[^a-z]+', ' ', 'g')) as name_key
    from (select name from printed union select name from coded)
    where name is not null and name <> ''
),

best_code as (
    select k.name_key, arg_min(c.code, c.rank * 10000 - c.vintage) as area_code
    from coded as c
    join keyed as k on k.name = c.name
    where regexp_full_match(c.code, 'E\d{8}')
    group by k.name_key
)

select k.name as area_name, b.area_code
from keyed as k
join best_code as b using (name_key)
where k.name in (select name from printed)
