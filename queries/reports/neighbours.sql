-- The statistical neighbour sets (issue 4), for naming each LA's neighbours in its report.
select * from ref.statistical_neighbours
