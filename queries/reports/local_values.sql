-- The council's own figures from its SSDA903 returns (exact: the report applies disclosure control).
select * from main.local_indicator_values
