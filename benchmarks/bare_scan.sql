-- The floor for ingest: DuckDB reads one input CSV, every cell as text, and counts its rows.
select count(*) as row_count from read_csv($path, all_varchar = true, header = true, encoding = $encoding)
