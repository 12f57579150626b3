-- Figures that a later release revised: each figure shown (indicator_values, the latest release) beside
-- every earlier release's different figure for the same indicator, period, area and breakdown. Read by the
-- reports' method section.
-- `previous` marks the comparison `carestats diff FOLDER` makes (pipeline/diff.py, within_folder): with the
-- release before the latest (the earlier release with the latest year). A local authority's report lists
-- those, so that its list is the one `carestats diff` gives for it (tests/test_report_meaning.py checks
-- that both find the same figures); the England report lists every earlier release's figure.
with earlier as (
    select
        e.*,
        row_number() over (
            partition by e.indicator_id, e.time_period, e.geographic_level, e.area_code, e.breakdown
            order by try_cast(regexp_extract(e.release, '(\d{4})$', 1) as integer) desc nulls last, e.release desc
        ) = 1 as previous
    from indicator_vintages as e
    inner join indicator_values as l
        on e.indicator_id = l.indicator_id
        and e.time_period = l.time_period
        and e.geographic_level = l.geographic_level
        and e.area_code = l.area_code
        and e.breakdown = l.breakdown
    where e.release <> l.release
)

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
    l.status,
    e.previous
from indicator_values as l
inner join earlier as e
    on e.indicator_id = l.indicator_id
    and e.time_period = l.time_period
    and e.geographic_level = l.geographic_level
    and e.area_code = l.area_code
    and e.breakdown = l.breakdown
where (e.value is distinct from l.value or coalesce(e.status, '') <> coalesce(l.status, ''))
order by l.indicator_id, l.time_period, l.area_code, l.breakdown, e.release
