-- Every indicator value the reports show (latest release for each key).
select * from indicator_values
