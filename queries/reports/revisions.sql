-- Figures that a later release revised: the figure shown (latest release) beside every earlier release's
-- different figure for the same indicator, period, area and breakdown. Read by the reports' method section.
select
    l.indicator_id,
    l.time_period,
    l.geographic_level,
    l.area_code,
    l.breakdown,
    e.release as earlier_release,
    e.value as earlier_value,
    e.status as earlier_status,
    l.release,
    l.value,
    l.status
from indicator_values as l
inner join indicator_vintages as e
    on e.indicator_id = l.indicator_id
    and e.time_period = l.time_period
    and e.geographic_level = l.geographic_level
    and e.area_code = l.area_code
    and e.breakdown = l.breakdown
where e.release <> l.release
    and (e.value is distinct from l.value or e.status is distinct from l.status)
order by l.indicator_id, l.time_period, l.area_code, l.breakdown, e.release
