-- The inventory of input files, for the reports' list of sources.
select * from meta.input_files
