-- Figures that a later release revised, found as `carestats diff FOLDER` finds them
-- (pipeline/diff.py, within_folder): each figure shown (indicator_values, the latest release) beside the
-- figure of the release before it (the earlier release with the latest year) for the same indicator,
-- period, area and breakdown, where the value or the symbol differs. Read by the reports' method section;
-- tests/test_revisions_agree.py checks that both find the same figures.
with earlier as (
    select
        e.*,
        try_cast(regexp_extract(e.release, '(\d{4})$', 1) as integer) as vintage
    from indicator_vintages as e
    inner join indicator_values as l
        on e.indicator_id = l.indicator_id
        and e.time_period = l.time_period
        and e.geographic_level = l.geographic_level
        and e.area_code = l.area_code
        and e.breakdown = l.breakdown
    where e.release <> l.release
    qualify row_number() over (
        partition by e.indicator_id, e.time_period, e.geographic_level, e.area_code, e.breakdown
        order by vintage desc nulls last, e.release desc
    ) = 1
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
    l.status
from indicator_values as l
inner join earlier as e
    on e.indicator_id = l.indicator_id
    and e.time_period = l.time_period
    and e.geographic_level = l.geographic_level
    and e.area_code = l.area_code
    and e.breakdown = l.breakdown
where (e.value is distinct from l.value or coalesce(e.status, '') <> coalesce(l.status, ''))
order by l.indicator_id, l.time_period, l.area_code, l.breakdown
