-- The cohorts every SSDA903 indicator starts from: one place for each decision. Run after the returns are
-- loaded (warehouse/children.py). Every view keeps `return_year` (Y, the year ending 31 March Y); an
-- indicator reads the rows of its year with `where return_year = $year`.

-- Episodes, short breaks (legal status V3 or V4) left out of every measure, with the bounds of their year.
create or replace view ssda903.eps as
select e.*, make_date(e.return_year - 1, 4, 1) as year_start, make_date(e.return_year, 3, 31) as year_end
from ssda903.episodes as e
where coalesce(e.ls, '') not in ('V3', 'V4');

-- Children looked after on 31 March: an episode with DECOM on or before 31 March and DEC blank or after
-- it; one row per child (their latest such episode).
create or replace view ssda903.at_year_end as
select *
from ssda903.eps
where decom <= year_end and (dec is null or dec > year_end)
qualify row_number() over (partition by return_year, child order by decom desc, line desc) = 1;

-- Children who ceased to be looked after in the year: an episode ending in the year with REC other than
-- X1 (a blank REC is other than X1); each child once, at their last such episode (latest DEC).
create or replace view ssda903.ceased as
select *
from ssda903.eps
where dec between year_start and year_end and coalesce(rec, '') <> 'X1'
qualify row_number() over (partition by return_year, child order by dec desc, decom desc, line desc) = 1;

-- Children looked after at any time in the year: an episode with DECOM on or before 31 March and DEC blank
-- or on or after 1 April.
create or replace view ssda903.during_year as
select distinct return_year, child
from ssda903.eps
where decom <= year_end and (dec is null or dec >= year_start);

-- Starts of care in any return supplied (an episode in several returns counted once), for following
-- children forward.
create or replace view ssda903.care_starts as
select distinct child, decom
from ssda903.eps
where rne = 'S';

-- Children whose last ceasing episode in the year was a return home (REC E4A planned, E4B unplanned), with
-- the days to their first start of care (RNE S, in any return supplied) 1 to 365 days after that DEC; days
-- is null when they did not come back within the year. Read by returned_home_reentry_pct and
-- returned_home_reentry_days_median.
create or replace view ssda903.returned_home as
select r.return_year, r.child, r.rec, min(s.decom - r.dec) as days
from ssda903.ceased as r
left join ssda903.care_starts as s
    on s.child = r.child and s.decom > r.dec and s.decom <= r.dec + 365
where r.rec in ('E4A', 'E4B')
group by r.return_year, r.child, r.rec;
