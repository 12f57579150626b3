-- One council beside each of its statistical neighbours, its region and England, for every indicator,
-- year and breakdown where the council has a row: the layout of LAIT. $area is the council's code and
-- $sn_set the neighbour set its report names (the latest that covers it): the same ten neighbours head
-- every row, whatever set the publisher used that year, and their mean and median are of those ten.
with council as (
    select * from comparisons where area_code = $area
),
neighbours as (
    select neighbour_rank, neighbour_code, neighbour_name
    from ref.statistical_neighbours
    where area_code = $area and sn_set = $sn_set
),
neighbour_values as (
    select c.indicator_id, c.time_period, c.breakdown, n.neighbour_rank, v.value, v.status
    from council as c
    cross join neighbours as n
    left join indicator_values as v
        on v.indicator_id = c.indicator_id and v.time_period = c.time_period and v.breakdown = c.breakdown
        and v.area_code = n.neighbour_code
),
summary as (
    select indicator_id, time_period, breakdown,
           avg(value) as sn_mean, median(value) as sn_median, count(value) as sn_count
    from neighbour_values
    group by indicator_id, time_period, breakdown
)
select c.indicator_id, c.time_period, c.breakdown, c.unit, c.polarity, c.value, c.status,
       nv.neighbour_rank, nv.value as neighbour_value, nv.status as neighbour_status,
       s.sn_mean, s.sn_median, s.sn_count, c.region_code, c.region_value, c.england_value,
       c.rank, c.rank_of, c.quartile_band, c.trend, c.change_1y, c.release
from council as c
left join neighbour_values as nv using (indicator_id, time_period, breakdown)
left join summary as s using (indicator_id, time_period, breakdown)
order by c.indicator_id, c.time_period desc, c.breakdown, nv.neighbour_rank
