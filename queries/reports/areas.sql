-- Areas with their region and reorganisations (predecessors and successors), when the build made them.
select * from areas
