-- The comparisons table (issue 4): each area beside England, its region and its statistical neighbours.
select * from comparisons
