-- The DfE validation rules' findings on each year's return (no child: rule, message, outcome); rule '*' is a
-- year the rules could not be run on at all, with the reason as its message.
select return_year, rule, message, outcome from ssda903.validation
