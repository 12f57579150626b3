-- The council's name, from the published files' `areas` table ($code: its code); the latest name wins.
select name from main.areas where code = $code order by valid_from desc nulls first limit 1
