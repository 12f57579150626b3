-- The DfE validation rules' findings on each year's return (no child: file, line, rule, message, outcome).
select return_year, rule, outcome from ssda903.validation
