/*
id: stg_cla_outcomes
description: >
  Outcomes of children looked after continuously for 12 months at 31 March: convictions (ages 10 to 17),
  substance misuse, health and development assessments, and the strengths and difficulties questionnaire
  (SDQ, ages 5 to 16). The LA file la_conviction_health_outcome_cla names the topic in cla_group and the
  category in characteristic (2022 release), then in characteristic and breakdown (2025 release, with
  children_count and children_percent for number and percentage). The 2024 release's national-only
  national_conviction_health_outcomes_for_cla numbers its labels ('4.1.3 SDQ score is a cause for
  concern'), splits by gender and age group, and heads each topic with a row such as
  '1. Convictions: Children looked after age groups'; only its all-ages rows for both genders are kept.
raw: [la_conviction_health_outcome_cla, national_conviction_health_outcomes_for_cla]
columns: [cla_group, characteristic, breakdown, gender, age_group, number, percentage, children_count,
          children_percent]
measures: [number, percentage, children_count, children_percent]
*/
with la as (
    select
        *,
        cs_label(coalesce(cla_group, characteristic)) as topic_text,
        cs_label(case when cla_group is null then breakdown else characteristic end) as item_text,
        trim(case when cla_group is null then breakdown else characteristic end) as item_label
    from raw.la_conviction_health_outcome_cla
),

national as (
    select
        *,
        cs_label(regexp_replace(trim(characteristic), '^[0-9]+[a-z]*(\.[0-9a-z]+)*\.?\s+', '')) as topic_text,
        cs_label(regexp_replace(trim(characteristic), '^[0-9]+[a-z]*(\.[0-9a-z]+)*\.?\s+', '')) as item_text,
        trim(characteristic) as item_label
    from raw.national_conviction_health_outcomes_for_cla
    where cs_label(gender) = 'total' and cs_label(age_group) like 'total%'
),

unioned as (
    select * from la
    union all by name
    select * from national
)

select
    cast(time_period as integer) as time_period,
    trim(geographic_level) as geographic_level,
    cs_area_code(geographic_level, country_code, region_code, new_la_code) as area_code,
    cs_area_name(geographic_level, country_name, region_name, la_name) as area_name,
    trim(region_code) as region_code,
    case
        when topic_text like '%convict%' then 'convictions'
        when topic_text like '%substance misuse%' or topic_text like '%intervention%' then 'substance_misuse'
        when topic_text like '%sdq%' then 'sdq'
        when topic_text like '%health assessment%' or topic_text like 'had their %' then 'health'
        when topic_text like '%development assessment%' then 'development'
    end as topic,
    case
        when item_text like 'total%' or item_text like '%: children looked after age groups' then 'total'
        when item_text like 'convicted or subject to youth cautions%' then 'convicted'
        when item_text = 'identified as having a substance misuse problem' then 'substance_misuse'
        when item_text = 'sdq score was received' then 'sdq_received'
        when item_text = 'sdq score is a cause for concern' then 'sdq_concern'
        when item_text = 'sdq score is borderline' then 'sdq_borderline'
        when item_text = 'sdq score is normal' then 'sdq_normal'
        when item_text = 'sdq average score' then 'sdq_average'
    end as measure,
    item_label as measure_label,
    coalesce(children_count, number) as children_count,
    coalesce(children_percent, percentage) as children_percent,
    _release as release,
    _vintage as vintage,
    _file as source_file,
    _line as source_line
from unioned
