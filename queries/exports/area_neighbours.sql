-- The statistical neighbours of $area in the latest set that covers it (the set its report names).
with latest as (
    select max(set_year) as set_year from ref.statistical_neighbours where area_code = $area
)
select sn_set, neighbour_rank, neighbour_code, neighbour_name
from ref.statistical_neighbours
where area_code = $area and set_year = (select set_year from latest)
order by neighbour_rank
