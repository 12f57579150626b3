/*
id: stg_cla_time_series
description: >
  England's children looked after at 31 March, starting, ceasing and unaccompanied asylum-seeking
  children since 1994 (file cla_time_series_1994_<year>, national rows only).
raw: [cla_time_series]
columns: [population_count, number]
measures: [number]
*/
select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    case
        when cs_label(population_count) = 'children looked after at 31 march' then 'at_31_march'
        when cs_label(population_count) like 'children starting%' then 'starting'
        when cs_label(population_count) like 'children ceasing%' then 'ceasing'
        when cs_label(population_count) like '%unaccompanied%' then 'uasc_at_31_march'
        when cs_label(population_count) like '%adopted%' then 'adopted'
    end as measure,
    trim(population_count) as measure_label,
    number,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from raw.cla_time_series
