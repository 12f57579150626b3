-- Every local authority the warehouse knows, with its region, for `carestats areas` and for finding an
-- area by name. A council that no longer exists keeps its row, with the date it ended.
select a.code, a.name, coalesce(r.name, '') as region, coalesce(a.old_la_code, '') as old_la_code,
       a.valid_to is null as current, coalesce(cast(a.valid_to as varchar), '') as valid_to
from areas as a
left join areas as r on r.code = a.region_code and r.level = 'Regional'
where a.level = 'Local authority' and regexp_matches(a.code, '^E[0-9]{8}$')
order by a.code
