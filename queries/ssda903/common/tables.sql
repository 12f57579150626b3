-- The pseudonymised SSDA903 tables (warehouse/children.py fills them): every table of the return, child
-- IDs as keyed hashes (`child`), dates of birth as month and year, ages computed from the full date of
-- birth before it was reduced, the distance between home and placement instead of the postcodes. Each row
-- keeps the return's year (Y: the year to 31 March Y) and its file and line. No UPN, MC_DOB, SW_ID,
-- HOME_POST or PL_POST column exists. Run before each load: the tables start empty.

create schema if not exists ssda903;

create or replace table ssda903.header (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    sex varchar,
    ethnic varchar,
    mother varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.episodes (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    decom date,
    rne varchar,
    ls varchar,
    cin varchar,
    place varchar,
    place_provider varchar,
    dec date,
    rec varchar,
    reason_place_change varchar,
    urn varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint,
    age_at_decom smallint,
    age_at_dec smallint,
    distance_miles double,
    period_start date,
    placement_start date,
    stability_start date
);

create or replace table ssda903.reviews (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    review date,
    review_code varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.uasc (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    sex varchar,
    duc date,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.oc2 (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    sdq_score varchar,
    sdq_reason varchar,
    convicted varchar,
    health_check varchar,
    immunisations varchar,
    teeth_check varchar,
    health_assessment varchar,
    substance_misuse varchar,
    intervention_received varchar,
    intervention_offered varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.oc3 (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    in_touch varchar,
    activ varchar,
    accom varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.ad1 (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    date_int date,
    date_match date,
    foster_care varchar,
    nb_adoptr varchar,
    sex_adoptr varchar,
    ls_adoptr varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.placed_for_adoption (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    date_placed date,
    date_placed_ceased date,
    reason_placed_ceased varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.previous_permanence (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    prev_perm varchar,
    la_perm varchar,
    date_perm varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.missing (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    missing varchar,
    mis_start date,
    mis_end date,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.sw_episodes (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    sw_decom date,
    sw_dec date,
    sw_reason varchar,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

create or replace table ssda903.dolo (
    return_year integer,
    file varchar,
    line integer,
    child varchar,
    dolo_start date,
    dolo_end date,
    dob_month tinyint,
    dob_year smallint,
    age_at_year_end smallint
);

-- One row per year folder read.
create or replace table ssda903.returns (
    return_year integer,
    folder varchar,
    files varchar,
    rows bigint,
    left_out bigint,
    bare_year_folder boolean
);

-- The rows left out of every count, located (never naming the child).
create or replace table ssda903.left_out (
    return_year integer,
    file varchar,
    line integer,
    "column" varchar,
    rule varchar,
    message varchar
);
