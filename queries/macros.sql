-- Shared decoding rules, defined once and used by every staging and indicator query.

-- The publisher's symbols for a value that is not published (GSS / EES conventions):
-- c suppressed, k rounds to zero, u low reliability, x not available, z not applicable, low (workforce).
create or replace macro cs_status(x) as
    case when lower(trim(x)) in ('c', 'k', 'u', 'x', 'z', 'low') then lower(trim(x)) end;

-- A published number as DOUBLE, exactly as printed; NULL for a symbol or an empty cell.
create or replace macro cs_num(x) as try_cast(nullif(trim(x), '') as double);

-- Filter labels are matched trimmed and case-folded (the files carry trailing spaces and mixed case).
create or replace macro cs_label(x) as lower(trim(x));

-- The area code and name for a row, by its geographic level.
create or replace macro cs_area_code(level, country_code, region_code, la_code) as
    case trim(level)
        when 'National' then trim(country_code)
        when 'Regional' then trim(region_code)
        else trim(la_code)
    end;
create or replace macro cs_area_name(level, country_name, region_name, la_name) as
    case trim(level)
        when 'National' then trim(country_name)
        when 'Regional' then trim(region_name)
        else trim(la_name)
    end;

-- A share in per cent from counts, for derived indicators (NULL when the denominator is not positive).
create or replace macro cs_pct(num, den) as case when den > 0 then 100.0 * num / den end;
