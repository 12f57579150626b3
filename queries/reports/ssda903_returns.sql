-- Each year's return read: its year and the rows left out of every count.
select return_year, left_out from ssda903.returns order by return_year
