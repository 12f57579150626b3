/*
The comparisons table before its intervals: one row per indicator_values row (indicator, period, area,
breakdown), with England, the region, the statistical neighbours, the rank, the quartile band and the
change on the previous year. Run by src/carestats/indicators/compare.py, which adds the confidence
intervals, funnel limits and the comparison with England (docs/methods.md, "Comparisons"). The reports read
this table (they compute no comparison of their own); the spread_* columns are theirs and are not exported.

Reads:
  indicator_values                the latest release's figure for each key
  areas                           the council behind each code: 3-digit LA number, region
  ref.statistical_neighbours      the DfE neighbour sets, by 3-digit LA number
  cs_indicator_meta               registered by compare.py: indicator_id, unit, polarity
  period_end_year, period_previous  macros registered by compare.py (core/periods.py)

A council's series is followed by its 3-digit LA number, which the DfE keeps when only the GSS code
changes (North Yorkshire E10000023 -> E06000065) and replaces when councils are reorganised
(Northamptonshire 928 -> 940 and 941): a series continues through a code change and a new council's
series starts when it does.
*/
with meta as (
    select indicator_id, unit, polarity from cs_indicator_meta
),

vals as (
    select
        v.indicator_id,
        v.time_period,
        v.geographic_level,
        v.area_code,
        v.area_name,
        v.breakdown,
        v.value,
        v.status,
        v.numerator,
        v.denominator,
        v.release,
        v.rowid as value_row,
        m.unit,
        m.polarity,
        case when v.geographic_level = 'Local authority' then coalesce(a.old_la_code, v.area_code)
            else v.area_code end as series,
        case when v.geographic_level = 'Local authority' then a.region_code end as region_code,
        a.note as area_note,
        try_cast(regexp_extract(v.release, '(\d{4})$', 1) as integer) as vintage,
        -- the year a period ends in (2025 -> 2025, academic or financial 202425 -> 2025) and the period a
        -- year earlier (202425 -> 202324): macros from core/periods.py
        period_end_year(v.time_period) as period_year,
        period_previous(v.time_period) as previous_period
    from indicator_values as v
    inner join meta as m on v.indicator_id = m.indicator_id
    left join areas as a on v.area_code = a.code
),

-- One published figure per series and key. A council that two releases publish under two codes for one
-- period (before and after a code change) counts once: the latest release's figure.
figures as (
    select *
    from vals
    where value is not null
    qualify row_number() over (
        partition by indicator_id, time_period, breakdown, geographic_level, series
        order by vintage desc nulls last, release desc, area_code desc
    ) = 1
),

la_figures as (
    select * from figures where geographic_level = 'Local authority'
),

ranked as (
    select
        indicator_id,
        time_period,
        breakdown,
        area_code,
        case polarity
            when 'higher_is_better' then rank() over (
                partition by indicator_id, time_period, breakdown order by value desc)
            when 'lower_is_better' then rank() over (
                partition by indicator_id, time_period, breakdown order by value asc)
        end as rank
    from la_figures
),

spread as (
    select
        indicator_id,
        time_period,
        breakdown,
        count(*) as la_count,
        quantile_cont(value, 0.25) as la_q1,
        quantile_cont(value, 0.5) as la_median,
        quantile_cont(value, 0.75) as la_q3
    from la_figures
    group by indicator_id, time_period, breakdown
),

-- The spread of every published LA figure, as the reports draw it (spine charts) and tabulate it (indicators
-- published for LAs only): unlike `spread`, a council published under two codes for one period counts under
-- each. Quantiles are linear between the two nearest figures, lower + (upper - lower) * fraction, the
-- arithmetic of Polars' quantile(q, "linear").
published as (
    select
        indicator_id,
        time_period,
        breakdown,
        count(*) as n,
        list_sort(list(value)) as sorted,
        (count(*) - 1)::double * 0.25 as at_q1,
        (count(*) - 1)::double * 0.5 as at_median,
        (count(*) - 1)::double * 0.75 as at_q3
    from vals
    where geographic_level = 'Local authority' and value is not null
    group by indicator_id, time_period, breakdown
),

published_spread as (
    select
        indicator_id,
        time_period,
        breakdown,
        sorted[1] as spread_low,
        sorted[floor(at_q1)::bigint + 1] + (sorted[least(floor(at_q1)::bigint + 2, n)]
            - sorted[floor(at_q1)::bigint + 1]) * (at_q1 - floor(at_q1)) as spread_q1,
        sorted[floor(at_median)::bigint + 1] + (sorted[least(floor(at_median)::bigint + 2, n)]
            - sorted[floor(at_median)::bigint + 1]) * (at_median - floor(at_median)) as spread_median,
        sorted[floor(at_q3)::bigint + 1] + (sorted[least(floor(at_q3)::bigint + 2, n)]
            - sorted[floor(at_q3)::bigint + 1]) * (at_q3 - floor(at_q3)) as spread_q3,
        sorted[n] as spread_high,
        n as spread_count
    from published
),

england as (
    select indicator_id, time_period, breakdown, value as england_value
    from figures
    where geographic_level = 'National'
    qualify row_number() over (
        partition by indicator_id, time_period, breakdown order by (area_code = 'E92000001') desc, area_code
    ) = 1
),

regions as (
    select indicator_id, time_period, breakdown, area_code as region_code, value as region_value
    from figures
    where geographic_level = 'Regional'
),

-- Which neighbour set applies: the one the user chose ($sn_year, from [report] neighbour_set; NULL for
-- "auto"), else the newest set that has the council, for every period, so that a council's figures over
-- time are all set beside one group of neighbours, the one its report names (issue 13); a council missing
-- from the chosen set (one created after it was drawn up, or abolished before the next) takes the nearest
-- set that has it.
sn_sets as (
    select distinct sn_set, set_year, applies_from_year, applies_to_year from ref.statistical_neighbours
),

sn_members as (
    select distinct sn_set, set_year, area_old_code from ref.statistical_neighbours
),

la_years as (
    select distinct period_year, series from vals where geographic_level = 'Local authority'
),

sn_choice as (
    select
        y.period_year,
        y.series,
        m.sn_set
    from la_years as y
    inner join sn_members as m on y.series = m.area_old_code
    inner join sn_sets as s on m.sn_set = s.sn_set
    qualify row_number() over (
        partition by y.period_year, y.series
        order by
            coalesce(s.set_year = $sn_year, false) desc,
            case when $sn_year is null then s.set_year end desc nulls last,
            abs(s.set_year - coalesce($sn_year, y.period_year)),
            s.set_year desc
    ) = 1
),

-- One row per council figure: grouped (and joined back) by the figure's row in indicator_values, which
-- stands for its key (indicator, period, breakdown, area) at a fraction of the cost of hashing four texts
-- for each of the ten neighbours' rows.
neighbour_stats as (
    select
        v.value_row,
        any_value(c.sn_set) as sn_set,
        avg(f.value) as sn_mean,
        median(f.value) as sn_median,
        count(f.value) as sn_count
    from vals as v
    inner join sn_choice as c on v.period_year = c.period_year and v.series = c.series
    inner join ref.statistical_neighbours as n on c.sn_set = n.sn_set and v.series = n.area_old_code
    left join la_figures as f
        on v.indicator_id = f.indicator_id and v.time_period = f.time_period and v.breakdown = f.breakdown
        and n.neighbour_old_code = f.series
    where v.geographic_level = 'Local authority'
    group by v.value_row
),

joined as (
    select
        v.*,
        e.england_value,
        case when r.region_value is null and rp.region_value is not null then rp.region_code
            else v.region_code end as comparator_region,
        coalesce(r.region_value, rp.region_value) as region_value,
        ns.sn_set,
        ns.sn_mean,
        ns.sn_median,
        ns.sn_count,
        rk.rank,
        case when v.geographic_level = 'Local authority' then coalesce(sp.la_count, 0) end as rank_of,
        case when v.geographic_level = 'Local authority' then sp.la_q1 end as la_q1,
        case when v.geographic_level = 'Local authority' then sp.la_median end as la_median,
        case when v.geographic_level = 'Local authority' then sp.la_q3 end as la_q3,
        sp.la_count,
        ps.spread_low,
        ps.spread_q1,
        ps.spread_median,
        ps.spread_q3,
        ps.spread_high,
        ps.spread_count,
        rk.area_code is not null as counted,
        v.value - p.value as change_1y
    from vals as v
    left join england as e
        on v.indicator_id = e.indicator_id and v.time_period = e.time_period and v.breakdown = e.breakdown
    left join regions as r
        on v.indicator_id = r.indicator_id and v.time_period = r.time_period and v.breakdown = r.breakdown
        and v.region_code = r.region_code
    -- a sub-region without a figure (Inner or Outer London): the region it lies in
    left join areas as sub on v.region_code = sub.code
    left join regions as rp
        on v.indicator_id = rp.indicator_id and v.time_period = rp.time_period and v.breakdown = rp.breakdown
        and sub.region_code = rp.region_code
    left join neighbour_stats as ns on v.value_row = ns.value_row
    left join ranked as rk
        on v.indicator_id = rk.indicator_id and v.time_period = rk.time_period and v.breakdown = rk.breakdown
        and v.area_code = rk.area_code
    left join spread as sp
        on v.indicator_id = sp.indicator_id and v.time_period = sp.time_period and v.breakdown = sp.breakdown
    left join published_spread as ps
        on v.geographic_level = 'Local authority' and v.indicator_id = ps.indicator_id
        and v.time_period = ps.time_period and v.breakdown = ps.breakdown
    left join figures as p
        on v.indicator_id = p.indicator_id and v.previous_period = p.time_period and v.breakdown = p.breakdown
        and v.geographic_level = p.geographic_level and v.series = p.series
)

select
    indicator_id,
    time_period,
    geographic_level,
    area_code,
    area_name,
    breakdown,
    value,
    status,
    numerator,
    denominator,
    unit,
    polarity,
    england_value,
    comparator_region as region_code,
    region_value,
    sn_set,
    sn_mean,
    sn_median,
    sn_count,
    rank,
    rank_of,
    -- A best ... D worst; none without a polarity, for fewer than 4 councils, or when the middle half of
    -- councils share one value (the range is too small for bands to mean anything)
    case
        when polarity = 'none' or not counted or la_count < 4 or la_q1 = la_q3 then null
        when polarity = 'lower_is_better' then
            case when value <= la_q1 then 'A' when value <= la_median then 'B' when value <= la_q3 then 'C'
                else 'D' end
        else
            case when value >= la_q3 then 'A' when value >= la_median then 'B' when value >= la_q1 then 'C'
                else 'D' end
    end as quartile_band,
    la_q1,
    la_median,
    la_q3,
    spread_low,
    spread_q1,
    spread_median,
    spread_q3,
    spread_high,
    spread_count,
    change_1y,
    case
        when change_1y is null or polarity = 'none' then null
        when change_1y = 0 then 'no change'
        when (change_1y > 0) = (polarity = 'higher_is_better') then 'improving'
        else 'worsening'
    end as trend,
    area_note,
    release
from joined
