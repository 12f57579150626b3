"""A seeded generator of realistic multi-year SSDA903 returns (children looked after), for tests and the demo.

    generate(out_dir, la_code, years=[2021, 2022, 2023, 2024, 2025], children=1000, seed=0, messy=False)

writes `out_dir/<YYYY-YY>/*.csv` (header, episodes, uasc, oc2, oc3, ad1, placed_for_adoption,
previous_permanence, missing, reviews and, from 2023-24, sw_episodes) as councils export them for the DfE:
the validator's column names (`carestats.core.ssda903.TABLE_COLUMNS`), dates DD/MM/YYYY, the codes valid
in each collection year. Nothing in it is a real child: identifiers are made up; postcodes are real
(ONS centroids from the validator's reference package, `postcodes.py`) so that placement distances work.

How it works. Children arrive in care at a steady rate from 1 April 1995 (so the population is in a steady
state long before any year asked for), each with their whole care history drawn at once from a random
stream of their own (seeded by `seed`, the council and the child's number): periods of care made of
episode chains with placement moves (RNE P, B), changes of legal status (RNE L), returns home (REC E4A,
E4B) and re-entries (RNE S, within and beyond 365 days), adoptions (E11, E12, with AD1 and placed-for-
adoption rows), special guardianship (E45-E48), leaving care at 16-18, missing and away incidents,
reviews and social worker episodes; separately, children looked after only for short breaks (LS V3, V4).
Each year's return is the slice of those histories that falls in it, so a year's files do not depend on
which other years were asked for, and the same seed gives byte-identical files.

`children` is about the number of children looked after during each year. The proportions are the
national ones for England (the constants below, each with the published table it comes from, read once
from the 2024 release when this module was written; the raw files are not read at generation time).

`messy=True` then damages a few rows of each year as councils' returns are damaged: codes outside the
lists, unreadable dates, overlapping episodes and missing values; the validator reports them by line.
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from carestats.core.errors import ConfigError
from carestats.core.ssda903 import FILE_NAMES, TABLE_COLUMNS, year_folder
from carestats.synthetic.postcodes import POSTCODES

# ---------------------------------------------------------------------------------------------------------
# Proportions, from the DfE's "Children looked after in England including adoptions" release of 2024
# (national tables in cla/2024_release/), England, year ending 31 March 2024.
# ---------------------------------------------------------------------------------------------------------

# national_cla_started_to_be_looked_after.csv, "Age on starting": (lowest age, highest age + 1) → children.
AGE_ON_STARTING = {(0, 1): 5210, (1, 5): 4830, (5, 10): 4890, (10, 16): 8690, (16, 18): 9440}
# same file, "Unaccompanied asylum-seeking children": 7270 of 33050 starters; the UASC on 31 March are 89 %
# aged 16 and over (national_cla_on_31_march_who_were_unaccompanied_asylum_seeking_children.csv), so the
# starters who are UASC are taken from the 10-15 and 16-17 bands: P(UASC | band).
UASC_SHARE_STARTING = 7270 / 33050
UASC_GIVEN_BAND = {(10, 16): 0.21, (16, 18): 0.58}
# same file, "Gender": 20160 boys of 33050 starters. UASC are 95 % boys (their 31 March table), so other
# starters are boys with probability (20160 - 0.95 × 7270) / 25780.
MALE_SHARE_STARTING = 20160 / 33050
MALE_SHARE_UASC = 0.95
MALE_SHARE_OTHER = (20160 - MALE_SHARE_UASC * 7270) / 25780
# same file, "Legal status": care orders 10210, detained for child protection 3350, voluntary (s20) 18980,
# youth justice 510. Care orders start as interim orders (C1); detention is police protection (L1) or an
# emergency protection order (L2); UASC are accommodated under s20 (V2), which is taken out of V2 here.
LEGAL_STATUS_ON_STARTING = {"C1": 10210, "L1": 2350, "L2": 1000, "V2": 18980 - 7270, "J1": 300, "J2": 150,
                            "J3": 60}
# same file, "Category of need" (N8 absent parenting is where UASC are: 6500 of 7380 UASC on 31 March).
CIN_ON_STARTING = {"N1": 18510, "N2": 590, "N3": 720, "N4": 2420, "N5": 3150, "N6": 550, "N7": 30, "N8": 790}
# same file, "Previous permanence arrangement": none 25870, unknown 6590, adoption 170, SGO 320, residence
# or child arrangement order 110 (codes Z1, P4, P1, P2, P3 of the return).
PREVIOUS_PERMANENCE = {"Z1": 25870, "P4": 6590, "P1": 170, "P2": 320, "P3": 110}
# national_cla_on_31_march_by_characteristics.csv, "Ethnicity" (the 20 codes of the return).
ETHNICITY = {"WBRI": 55140, "WIRI": 180, "WIRT": 180, "WROM": 580, "WOTH": 3270, "MWBC": 2920, "MWBA": 1090,
             "MWAS": 1770, "MOTH": 3150, "AIND": 350, "APKN": 1070, "ABAN": 390, "CHNE": 100, "AOTH": 2500,
             "BCRB": 1250, "BAFR": 3670, "BOTH": 1310, "OOTH": 3910, "REFU": 130, "NOBT": 680}
# national_cla_on_31_march_who_were_unaccompanied_asylum_seeking_children.csv, "Ethnicity" (rounded shares).
ETHNICITY_UASC = {"AOTH": 25, "BAFR": 20, "BOTH": 6, "OOTH": 40, "WOTH": 5, "MOTH": 2, "NOBT": 2}
# national_children_who_ceased_to_be_looked_after_during_the_year.csv, "Duration of last period of care":
# (shortest, longest) in days → children.
PERIOD_DAYS = {(1, 14): 2520, (14, 56): 2400, (56, 183): 4660, (183, 365): 6320, (365, 730): 6990,
               (730, 1095): 2970, (1095, 1826): 2890, (1826, 3652): 3090, (3652, 6570): 1780}
# same file, "Reason episode ceased" (2024): the ceasing reasons by REC code.
REASON_CEASED = {"E11": 2830, "E12": 150, "E15": 380, "E17": 5380, "E8": 2660, "E3": 2140, "E16": 70,
                 "E2": 60, "E13": 1970, "E6": 1100, "E5": 4230, "E41": 1150, "E4B": 1100, "E4A": 5740,
                 "E9": 220, "E45": 1200, "E46": 300, "E47": 2000, "E48": 360, "E7": 460, "E14": 150}
# national_cla_on_31_march_by_characteristics.csv, "Placement" on 31 March: the mix the placements are
# drawn from, by age (foster 67 %, children's homes 10 %, supported accommodation 7 %, with parents 6 %,
# placed for adoption 2 % (drawn by the adoption path), other residential 2 %, other 5 %).
PLACEMENT_31_MARCH = {"foster": 56390, "childrens_home": 8540, "supported": 6250, "parents": 5300,
                      "adoption": 1910, "other_residential": 1260, "secure": 100, "residential_school": 90,
                      "other": 3790}
# Foster placements by carer (same table): with a relative or friend 13670, with another carer 42740.
FOSTER_RELATIVE_SHARE = 13670 / 56390
# national_cla_on_31_march_by_placement_distance_and_placement_locality.csv: over 20 miles from home, of
# the children whose distance is known: foster 10650/53460, children's homes and others 1280/3850,
# supported 490/2960; distance not known 7830 of 83630.
# Supported accommodation is placed inside the council: from 2025-26 the validator's rule 241 wants a
# registered provider's placement (K3 with a URN) in the council's own area.
FAR_SHARE = {"foster": 0.20, "childrens_home": 0.45, "supported": 0.0, "adoption": 0.35, "secure": 0.6,
             "other_residential": 0.33, "residential_school": 0.5, "other": 0.33, "parents": 0.0}
# national_cla_pl_count_by_characteristics.csv: of children looked after 12 months at 31 March, 72 % had one
# placement in the year, 19 % two, 9 % three or more: a move rate of about 0.4 a year, higher for a minority.
MOVES_PER_YEAR = {(0, 5): 0.35, (5, 10): 0.28, (10, 16): 0.42, (16, 19): 0.5}
UNSTABLE_SHARE, UNSTABLE_FACTOR = 0.08, 5.0
EARLY_MOVE_SHARE = 0.25  # emergency placements: a move in the first weeks
# national_reason_for_placement_change_during_year.csv, "Age, Total" (REASON_PLACE_CHANGE codes).
REASON_PLACE_CHANGE = {"CARPL": 20700, "PLACE": 16110, "OTHER": 14790, "CREQB": 5310, "CREQO": 4190,
                       "CHILD": 2030, "LAREQ": 950, "STAND": 670, "CLOSE": 530, "ALLEG": 440, "APPRR": 200,
                       "CUSTOD": 150}
# official_statistics_cla_who_were_missing.csv: 11 % of children looked after during the year went missing,
# 6.5 incidents each, median 1 day (mean 1.9); ..._away_without_authorisation.csv: 2 %, 4 incidents, mean 3.1.
MISSING_SHARE, MISSING_INCIDENTS, MISSING_MEAN_DAYS = 0.11, 6.5, 1.9
AWAY_SHARE, AWAY_INCIDENTS, AWAY_MEAN_DAYS = 0.02, 4.0, 3.1
# Missing incidents are almost all of children aged 10 and over (same file: 83,750 of 83,920 incidents).
MISSING_MIN_AGE = 10
# Returns home that end in re-entry: not published nationally; the research the issue quotes (NSPCC, "Returning
# home from care", 2012) found about a third re-entered, more after unplanned returns.
REENTRY_SHARE = {"E4A": 0.25, "E4B": 0.40}
REENTRY_WITHIN_YEAR_SHARE = 0.7
# national_activity_of_care_leaver.csv and national_accommodation_of_care_leavers.csv, 19 to 21 years.
IN_TOUCH = {"YES": 33420, "NO": 1720, "NREQ": 920, "REFU": 310, "RHOM": 100, "DIED": 30}
ACTIVITY = {"F2": 6120, "F1": 2180, "F5": 600, "F4": 5780, "P1": 90, "P2": 1360, "P4": 3380, "P5": 60,
            "G4": 2980, "G5": 9590, "G6": 1740}
ACCOMMODATION = {"V": 12520, "E": 7040, "U": 3920, "H": 3110, "Z": 1560, "C": 1110, "T": 1090, "Y": 1090,
                 "G": 920, "K": 470, "W": 450, "S": 330, "R": 220, "B": 70, "X": 30}
ACCOMMODATION_SUITABLE_SHARE = 0.88  # la_care_leavers_accommodation_suitability.csv (2025): about 88 %
# Short breaks: children looked after only under short-term placements are 570 of 116,420 a year
# (la_children_looked_after_exclusively_under_a_series_of_short_term_placements.csv); the generator makes
# more of them (2 % of arrivals) so that a return of 1,000 children has some to leave out.
SHORT_BREAK_SHARE = 0.02
# Adoption and SGO paths, chosen at entry for young children so that adopted (9 %) and SGO (11 %) come out
# near the national share of children ceasing.
ADOPTION_PATH = {(0, 1): 0.35, (1, 5): 0.18, (5, 8): 0.03}
SGO_PATH = {(0, 1): 0.15, (1, 5): 0.25, (5, 10): 0.20, (10, 14): 0.08}
# national_cla_adopted_average_time_between_adoption_process_stages.csv (2025 release): entering care to
# adoption about 15-24 months; placement order to placement about 7 months; placement to adoption about 8.
ADOPTION_DAYS = (420, 900)
# national_cla_on_31_march_by_characteristics.csv, "Motherhood status": 200 of 18590 girls aged 12 and over.
MOTHER_SHARE = 200 / 18590
FIRST_ARRIVALS = date(1995, 4, 1)
# Children looked after during a year per arrival a year: 1 + the mean stay of about 2.4 years (PERIOD_DAYS)
# and the re-entries; measured on the generator's own output (tests/test_ssda903_synthetic.py checks it).
CHILDREN_PER_ARRIVAL = 3.2
YOUNG_STAY_AGE = 10

# Codes that changed between collection years (the validator's rule 146, PLACE; rule 101, SEX).
FIRST_YEAR, LAST_YEAR = 2014, 2030


def place_code(kind: str, end_year: int) -> str:
    """The PLACE code of an abstract placement kind in the collection year ending `end_year`."""
    if kind == "SUPPORTED":
        return "K3" if end_year >= 2026 else "H5"
    if kind == "INDEPENDENT":
        return "K3" if end_year >= 2026 else "P2"
    if kind == "OTHER":
        return "Z14" if end_year >= 2026 else "Z1"
    return kind


def urn_code(urn: str, place: str, legal: str, end_year: int) -> str:
    """The URN as each year's rules want it: none for short breaks (rule 214); 'XXXXXXX' for the placement
    types without a registered provider (rule 222), which from 2025-26 are left blank instead (rules 218, 242)."""
    if legal in ("V3", "V4"):
        return ""
    if end_year >= 2026:
        exempt = {"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z11", "Z12", "Z13", "Z14"}
        return "" if place in exempt else urn
    exempt = {"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z1"}
    if end_year <= 2024:
        exempt.add("P2")
    if end_year <= 2023:
        exempt.add("H5")
    return "XXXXXXX" if place in exempt else urn


def sex_code(male: bool, end_year: int) -> str:
    """SEX: 1 (boy) / 2 (girl) up to 2023-24, M / F from 2024-25 (the validator's rule 101)."""
    if end_year >= 2025:
        return "M" if male else "F"
    return "1" if male else "2"


# ---------------------------------------------------------------------------------------------------------


@dataclass
class Episode:
    start: date
    rne: str
    ls: str
    cin: str
    kind: str  # a PLACE code, or SUPPORTED / INDEPENDENT / OTHER (see place_code)
    provider: str
    home: str
    pl: str
    urn: str
    reason_change: str = ""
    end: date | None = None
    rec: str = ""


@dataclass
class Child:
    number: int
    id: str
    male: bool
    dob: date
    ethnic: str
    uasc: bool
    short_breaks: bool
    upn_serial: str
    episodes: list[Episode] = field(default_factory=list)
    periods: list[tuple[date, date, str]] = field(default_factory=list)  # start, end, reason
    missing: list[tuple[str, date, date]] = field(default_factory=list)
    reviews: list[tuple[date, str]] = field(default_factory=list)
    social_workers: list[tuple[str, date, date | None, str]] = field(default_factory=list)
    previous_permanence: dict[date, tuple[str, str]] = field(default_factory=dict)  # period start → (code, date)
    adoption: dict[str, object] | None = None
    mother_child_dob: date | None = None
    seed: str = ""


def _weighted(rng: random.Random, weights: dict) -> object:  # type: ignore[type-arg]
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _birthday(dob: date, age: int) -> date:
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:  # 29 February
        return date(dob.year + age, 3, 1)


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _band(bands: dict, age: int) -> float:  # type: ignore[type-arg]
    for (low, high), value in bands.items():
        if low <= age < high:
            return float(value)
    return 0.0


def _miles(a: tuple[str, int, int], b: tuple[str, int, int]) -> float:
    return math.hypot(a[1] - b[1], a[2] - b[2]) / 1000 / 1.6093


class _Places:
    """Real postcodes near to (under 18 miles) and far from (over 22 miles) each home postcode."""

    def __init__(self, la_code: str) -> None:
        every = [p for code in sorted(POSTCODES) for p in POSTCODES[code]]
        self.homes = list(POSTCODES[la_code])
        self.own = {p[0] for p in self.homes}
        self.near = {h[0]: [p[0] for p in every if 0 < _miles(h, p) < 18] or [p[0] for p in self.homes if p != h]
                     for h in self.homes}
        self.far = {h[0]: [p[0] for p in every if 22 < _miles(h, p) < 200] for h in self.homes}


class _Simulation:
    def __init__(self, la_code: str, seed: int, children: int) -> None:
        self.la = la_code
        self.seed = seed
        self.places = _Places(la_code)
        self.arrivals_a_year = max(1.0, children / CHILDREN_PER_ARRIVAL)
        self.workers = [f"SW{n:07d}" for n in range(1, max(4, children // 12) + 1)]

    def children(self, last_end_year: int) -> list[Child]:
        out: list[Child] = []
        number = 0
        for year in range(FIRST_ARRIVALS.year, last_end_year):
            rng = random.Random(f"{self.seed}:{self.la}:arrivals:{year}")
            count = round(self.arrivals_a_year * rng.uniform(0.92, 1.08))
            start = date(year, 4, 1)
            days = (date(year + 1, 3, 31) - start).days
            for day in sorted(rng.randrange(days + 1) for _ in range(count)):
                number += 1
                out.append(self.child(number, start + timedelta(days=day)))
        return out

    # one child's whole history -------------------------------------------------------------------------
    def child(self, number: int, arrival: date) -> Child:
        seed = f"{self.seed}:{self.la}:child:{number}"
        rng = random.Random(seed)
        short_breaks = rng.random() < SHORT_BREAK_SHARE
        band = _weighted(rng, AGE_ON_STARTING) if not short_breaks else (5, 17)
        low, high = band  # type: ignore[misc]
        uasc = not short_breaks and rng.random() < UASC_GIVEN_BAND.get(band, 0.0)  # type: ignore[arg-type]
        age_days = rng.randrange(low * 365 + (0 if low else 1), high * 365 - 2)
        dob = arrival - timedelta(days=age_days)
        male = rng.random() < (MALE_SHARE_UASC if uasc else MALE_SHARE_OTHER)
        ethnic = str(_weighted(rng, ETHNICITY_UASC if uasc else ETHNICITY))
        child = Child(number, f"{self.la[-3:]}{number:06d}", male, dob, ethnic, uasc, short_breaks,
                      f"{rng.randrange(1000, 10000)}{rng.randrange(100, 1000)}", seed=seed)
        if short_breaks:
            self._short_breaks(rng, child, arrival)
        else:
            start: date | None = arrival
            while start is not None:
                start = self._period(rng, child, start)
            self._missing(rng, child)
        self._reviews(rng, child)
        self._social_workers(rng, child)
        if not male and rng.random() < MOTHER_SHARE * 3:
            child.mother_child_dob = _birthday(dob, 15) + timedelta(days=rng.randrange(0, 900))
        return child

    def _placement(self, rng: random.Random, age: int, legal: str, home: str, avoid: str = "") -> tuple:
        """(kind, provider, placement postcode, URN) of a new placement for a child of `age`."""
        while True:
            if legal.startswith("J") and legal != "J1":
                kind_group = "secure" if rng.random() < 0.3 else "other_residential"
            elif age >= 16:
                kind_group = str(_weighted(rng, {"foster": 42, "childrens_home": 14, "supported": 38,
                                                 "parents": 3, "other": 3, "other_residential": 2}))
            elif age >= 10:
                kind_group = str(_weighted(rng, {"foster": 66, "childrens_home": 23, "parents": 8, "other": 3,
                                                 "other_residential": 1, "secure": 0.5,
                                                 "residential_school": 0.5}))
            else:
                kind_group = str(_weighted(rng, {"foster": 82, "parents": 16, "other": 3,
                                                 "other_residential": 3}))
            if kind_group == "parents" and legal not in ("C1", "C2"):
                continue  # placed with parents only under a care order (rule 378)
            if kind_group == "foster":
                relative = rng.random() < FOSTER_RELATIVE_SHARE
                kind = rng.choice(["U1", "U3", "U3"] if relative else ["U4", "U6", "U6"])
                provider = "PR1" if relative or rng.random() < 0.55 else "PR4"
            elif kind_group == "childrens_home":
                kind, provider = "K2", str(_weighted(rng, {"PR4": 80, "PR1": 15, "PR5": 5}))
            elif kind_group == "supported":
                kind, provider = "SUPPORTED", str(_weighted(rng, {"PR4": 80, "PR1": 20}))
            elif kind_group == "parents":
                kind, provider = "P1", "PR0"
            elif kind_group == "secure":
                kind, provider = "K1", rng.choice(["PR1", "PR2"])
            elif kind_group == "other_residential":
                kind, provider = (("R5", "PR3") if legal.startswith("J") else
                                  (rng.choice(["R1", "R2", "R3"]), "PR3"))
            elif kind_group == "residential_school":
                kind, provider = "S1", "PR5"
            else:
                kind, provider = "OTHER", ""  # other placements have no provider (rule 178)
            if kind != avoid or kind in ("U4", "U6", "K2"):
                break
        postcode, urn = self._where(rng, kind_group, kind, home)
        return (kind, self._provider(provider, postcode), postcode, urn)

    def _provider(self, provider: str, postcode: str) -> str:
        """Own provision (PR1) is inside the council; outside it, another council's (PR2) or private (PR4)."""
        if provider == "PR1" and postcode and postcode not in self.places.own:
            return "PR4"
        return provider

    def _where(self, rng: random.Random, group: str, kind: str, home: str) -> tuple[str, str]:
        if kind == "P1":
            return home, "XXXXXXX"
        far = rng.random() < FAR_SHARE.get(group, 0.2)
        pool = self.places.far[home] if far and self.places.far[home] else self.places.near[home]
        if group == "supported":
            pool = sorted(self.places.own - {home}) or pool
        postcode = rng.choice(pool)
        needs_urn = kind in ("K1", "K2", "SUPPORTED", "S1") or (kind.startswith("U") and rng.random() < 0.3)
        urn = f"SC{rng.randrange(100000, 1000000)}" if needs_urn else "XXXXXXX"
        return postcode, urn

    def _period(self, rng: random.Random, child: Child, start: date) -> date | None:
        """One period of care from `start`; returns the start of the next period (a re-entry) or None."""
        age = _age(child.dob, start)
        eighteen = _birthday(child.dob, 18)
        if start >= eighteen - timedelta(days=7):
            return None
        home = rng.choice(self.places.homes)[0]
        home_post = "" if child.uasc else home  # a UASC has no home in England: no distance (rule 406)
        cin = "N8" if child.uasc and rng.random() < 0.9 else str(_weighted(rng, CIN_ON_STARTING))
        if child.uasc:
            legal = "V2"
        else:
            legal = str(_weighted(rng, LEGAL_STATUS_ON_STARTING))
            if legal.startswith("J") and age < 10:
                legal = "V2"
        path = "ordinary"
        if not child.uasc and not legal.startswith("J"):
            if rng.random() < _band(ADOPTION_PATH, age):
                path = "adoption"
            elif rng.random() < _band(SGO_PATH, age):
                path = "sgo"
        if path == "adoption":
            end = start + timedelta(days=rng.randrange(*ADOPTION_DAYS))
        elif legal == "J1":
            end = start + timedelta(days=rng.randrange(14, 120))
        else:
            end = start + timedelta(days=self._stay(rng, age))
            if path == "sgo":
                end = max(end, start + timedelta(days=rng.randrange(300, 900)))
        reached_18 = end >= eighteen
        if reached_18:
            end = eighteen
        reason = self._reason(rng, child, path, legal, _age(child.dob, end), reached_18)
        self._previous_permanence(rng, child, start)
        # the chain of episodes
        episodes: list[Episode] = []
        t, rne = start, "S"
        kind, provider, pl, urn = self._placement(rng, age, legal, home)
        moves = _band(MOVES_PER_YEAR, age) * (UNSTABLE_FACTOR if rng.random() < UNSTABLE_SHARE else 1.0)
        milestones: list[tuple[date, str]] = []  # (date, what)
        if legal in ("L1", "L2"):
            milestones.append((start + timedelta(days=rng.randrange(1, 4) if legal == "L1" else rng.randrange(4, 9)),
                               "legal:" + str(_weighted(rng, {"C1": 70, "V2": 30}))))
        if path == "adoption":
            order = start + timedelta(days=(end - start).days * 4 // 10)
            placed = order + timedelta(days=rng.randrange(40, 120))
            placed = max(min(placed, end - timedelta(days=90)), start + timedelta(days=30))
            order = max(min(order, placed - timedelta(days=20)), start + timedelta(days=10))
            milestones += [(order, "legal:E1"), (placed, "adoptive")]
            child.adoption = {"decision": order - timedelta(days=rng.randrange(30, 120)), "placed": placed,
                              "order": order, "adopted": end,
                              "interest": order + timedelta(days=rng.randrange(5, 20)),
                              "match": placed - timedelta(days=rng.randrange(10, 40)),
                              "foster_care": "0"}  # placed as A6: not with the current foster carer
            # number_and_legal_status_of_adopters.csv: mostly married different-sex couples
            legal_adopters = str(_weighted(rng, {"L11": 55, "L12": 5, "L2": 5, "L3": 12, "L4": 3, "L0": 20}))
            child.adoption["ls"] = legal_adopters
            child.adoption["adopters"] = "1" if legal_adopters == "L0" else "2"
            child.adoption["sex"] = (rng.choice(["M1", "F1", "F1", "F1"]) if legal_adopters == "L0" else
                                     "MF" if legal_adopters in ("L11", "L3") else rng.choice(["MM", "FF"]))
        if path == "adoption" and legal == "V2":  # a care order before the placement order
            milestones.append((start + timedelta(days=(end - start).days // 5), "legal:C1"))
        elif legal == "C1" and path != "adoption" and rng.random() < 0.7:
            milestones.append((start + timedelta(days=rng.randrange(150, 400)), "legal:C2"))
        elif legal == "V2" and path != "adoption" and not child.uasc and rng.random() < 0.15:
            milestones.append((start + timedelta(days=rng.randrange(30, 300)), "legal:C1"))
        if rng.random() < EARLY_MOVE_SHARE and path != "adoption":
            milestones.append((start + timedelta(days=rng.randrange(1, 40)), "move"))
        day = start
        while True:
            gap = rng.expovariate(moves / 365.0) if moves > 0 else 1e9
            day = day + timedelta(days=max(1, int(gap)))
            if day >= end:
                break
            milestones.append((day, "move"))
        milestones = sorted(m for m in milestones if start < m[0] < end)
        if child.adoption and path == "adoption":  # no moves once placed for adoption (rule 390)
            placed_on = child.adoption["placed"]
            milestones = [m for m in milestones if not (m[1] == "move" and m[0] >= placed_on)]
        for when, what in milestones:
            if when <= t:
                if what == "move":
                    continue
                when = t + timedelta(days=1)
                if when >= end:
                    continue
            if what.startswith("legal:") and what[6:] == legal:
                continue
            # the episode that ends here carries the reason its placement changed (rule 225)
            ending = Episode(t, rne, legal, cin, kind, provider, home_post, pl, urn, "", when, "X1")
            episodes.append(ending)
            t = when
            if what.startswith("legal:"):
                legal, rne = what[6:], "L"
                if rng.random() < 0.08 and path != "adoption":
                    rne = "B"
                    kind, provider, pl, urn = self._placement(rng, _age(child.dob, when), legal, home, kind)
                    ending.reason_change = "CARPL"
            elif what == "adoptive":
                kind = "A6"  # with a placement order, not with the current foster carer (A5: rule 217)
                pl, urn = self._where(rng, "adoption", kind, home)
                provider = self._provider(str(_weighted(rng, {"PR1": 50, "PR2": 20, "PR5": 30})), pl)
                rne, ending.reason_change = "P", "CARPL"
            else:
                kind, provider, pl, urn = self._placement(rng, _age(child.dob, when), legal, home, kind)
                rne, ending.reason_change = "P", str(_weighted(rng, REASON_PLACE_CHANGE))
        if reason in ("E45", "E46") and not kind.startswith("U"):
            reason = "E47" if reason == "E45" else "E48"  # an SGO to former foster carers needs one (rule 516)
        episodes.append(Episode(t, rne, legal, cin, kind, provider, home_post, pl, urn, "", end, reason))
        child.episodes.extend(episodes)
        child.periods.append((start, end, reason))
        if reason in REENTRY_SHARE and rng.random() < REENTRY_SHARE[reason]:
            within = rng.random() < REENTRY_WITHIN_YEAR_SHARE
            gap = rng.randrange(7, 365) if within else rng.randrange(366, 1100)
            return end + timedelta(days=gap)
        return None

    @staticmethod
    def _stay(rng: random.Random, age: int) -> int:
        """Days in care: the published durations are of all children ceasing, whose older starters leave at 18;
        a young child's stay is drawn longer (the longer of two draws) so that the mix comes out."""
        draws = 2 if age < YOUNG_STAY_AGE else 1
        days = 0
        for _ in range(draws):
            low, high = _weighted(rng, PERIOD_DAYS)  # type: ignore[misc]
            days = max(days, rng.randrange(low, high))
        return days

    def _previous_permanence(self, rng: random.Random, child: Child, start: date) -> None:
        code = str(_weighted(rng, PREVIOUS_PERMANENCE))
        first = child.periods[0][0] if child.periods else start  # before the first episode (rule 632)
        made = max(child.dob + timedelta(days=1), first - timedelta(days=rng.randrange(200, 2000)))
        when = "" if code == "Z1" else _d(made)
        child.previous_permanence[start] = (code, when)

    def _reason(self, rng: random.Random, child: Child, path: str, legal: str, age: int, reached_18: bool) -> str:
        if path == "adoption":
            return "E11" if rng.random() < 0.95 else "E12"
        if path == "sgo":
            return str(_weighted(rng, {k: REASON_CEASED[k] for k in ("E45", "E46", "E47", "E48")}))
        if legal == "J1":
            return str(_weighted(rng, {"E14": 60, "E9": 20, "E4A": 20}))
        if reached_18:
            return str(_weighted(rng, {"E17": 5380, "E5": 3200, "E6": 800, "E8": 900, "E7": 460, "E4A": 300,
                                       "E13": 200, "E3": 300}))
        if age >= 16:
            weights = {"E4A": 1500, "E4B": 400, "E5": 1030, "E6": 300, "E13": 500, "E8": 700, "E3": 600,
                       "E9": 120, "E16": 30, "E2": 20}
            if child.uasc:
                weights["E15"] = 1500
            return str(_weighted(rng, weights))
        weights = {"E4A": 3900, "E4B": 700, "E13": 1270, "E41": 1150, "E8": 1060, "E3": 1240, "E16": 40, "E2": 40}
        if age >= 10:
            weights.update({"E9": 100, "E14": 150})
        return str(_weighted(rng, weights))

    def _short_breaks(self, rng: random.Random, child: Child, arrival: date) -> None:
        """A disabled child looked after only for short breaks (LS V3 single, V4 a series), until 18."""
        # not a long-term placement (rule 384); no postcodes or URN for short breaks (rule 214)
        kind, provider = rng.choice([("U6", "PR1"), ("U6", "PR1"), ("K2", "PR1")])
        legal = "V4" if rng.random() < 0.7 else "V3"
        t = arrival
        eighteen = _birthday(child.dob, 18)
        while t < eighteen - timedelta(days=10):
            length = rng.randrange(1, 5)
            end = t + timedelta(days=length)
            child.episodes.append(Episode(t, "S", legal, "N2", kind, provider, "", "", "", "", end, "E13"))
            self._previous_permanence(rng, child, t)
            child.periods.append((t, end, "E13"))
            t = end + timedelta(days=rng.randrange(20, 70) if legal == "V4" else rng.randrange(60, 400))

    def _missing(self, rng: random.Random, child: Child) -> None:
        for start, end, _ in child.periods:
            ten = _birthday(child.dob, MISSING_MIN_AGE)
            begin = max(start, ten)
            if begin >= end:
                continue
            years = (end - begin).days / 365.25
            for kind, share, incidents, mean_days in (("M", MISSING_SHARE, MISSING_INCIDENTS, MISSING_MEAN_DAYS),
                                                      ("A", AWAY_SHARE, AWAY_INCIDENTS, AWAY_MEAN_DAYS)):
                # the share applies to all children looked after; aged 10+ are about 60 % of them
                if rng.random() >= min(0.9, share / 0.6 * max(years, 0.3) * 1.2):
                    continue
                count = max(1, round(rng.expovariate(1 / incidents)))
                span = max(1, (end - begin).days - 1)
                for offset in sorted(rng.randrange(span) for _ in range(count)):
                    mis_start = begin + timedelta(days=offset)
                    days = min(int(rng.expovariate(1 / max(0.1, mean_days - 0.5))), 60)
                    mis_end = min(mis_start + timedelta(days=days), end)
                    if child.missing and mis_start <= child.missing[-1][2]:
                        continue
                    child.missing.append((kind, mis_start, mis_end))

    def _reviews(self, rng: random.Random, child: Child) -> None:
        for start, end, _ in child.periods:
            if (end - start).days < 20 or child.short_breaks:
                continue
            review = start + timedelta(days=rng.randrange(10, 27))
            step = 90
            while review < end:
                age = _age(child.dob, review)
                code = "PN0" if age < 4 else str(_weighted(rng, {"PN1": 45, "PN2": 4, "PN3": 6, "PN4": 10,
                                                                 "PN5": 15, "PN6": 12, "PN7": 8}))
                child.reviews.append((review, code))
                review = review + timedelta(days=rng.randrange(step - 30, step + 1))
                step = 180

    def _social_workers(self, rng: random.Random, child: Child) -> None:
        for start, end, _ in child.periods:
            if child.short_breaks:
                continue
            t, why = start, "FCONTA"  # SW_REASON: why the episode began; the first is first contact
            while t < end:
                change = min(t + timedelta(days=rng.randrange(60, 500)), end)
                child.social_workers.append((rng.choice(self.workers), t, change, why))
                why = str(_weighted(rng, {"MANAGE": 30, "LEFTRL": 25, "ORGRST": 15, "TSPROC": 10, "ABSENC": 5,
                                          "CHCHAN": 5, "PCCHAN": 3, "OTHERS": 7}))
                t = change


# ---------------------------------------------------------------------------------------------------------
# One year's return
# ---------------------------------------------------------------------------------------------------------


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _upn(child: Child, la_number: str, on: date) -> str:
    if _age(child.dob, date(on.year - 1, 8, 31)) < 4:
        return "UN1"
    body = f"{la_number}{child.upn_serial[:4]}{child.dob.year % 100 + 4:02d}{child.upn_serial[4:]}"[:12]
    total = sum(int(ch) * (i + 2) for i, ch in enumerate(body))
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23] + body


class _Year:
    def __init__(self, end_year: int, la_code: str, seed: int) -> None:
        self.end_year = end_year
        self.first = date(end_year - 1, 4, 1)
        self.last = date(end_year, 3, 31)
        self.la_number = f"{800 + sum(map(ord, la_code)) % 100:03d}"
        self.seed = seed
        self.rows: dict[str, list[list[str]]] = {t: [] for t in TABLE_COLUMNS}

    def in_year(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last

    def add(self, child: Child) -> None:
        episodes = [e for e in child.episodes if e.start <= self.last and (e.end is None or e.end >= self.first)]
        oc3 = self._oc3(child) if not episodes else None
        if not episodes and oc3 is None:
            return
        y = self.end_year
        rng = random.Random(f"{child.seed}:year:{y}")
        dob = _d(child.dob)
        looked_after_31_march = any(e.end is None or e.end > self.last for e in episodes)
        mother, mc_dob = "", ""
        if episodes and not child.male and not child.short_breaks:  # every girl looked after (393, 607, 628)
            has = child.mother_child_dob is not None and child.mother_child_dob <= self.last
            mother, mc_dob = ("1", _d(child.mother_child_dob)) if has else ("0", "")
        self.rows["Header"].append([child.id, sex_code(child.male, y), dob, child.ethnic,
                                    _upn(child, self.la_number, self.last), mother, mc_dob])
        if child.uasc and _birthday(child.dob, 18) >= self.first:  # UASC during the year (rule 104)
            self.rows["UASC"].append([child.id, sex_code(child.male, y), dob, _d(_birthday(child.dob, 18))])
        if oc3 is not None:
            self.rows["OC3"].append([child.id, dob, *oc3])
            return
        for e in episodes:
            ended = e.end is not None and e.end <= self.last
            reason_change = e.reason_change if ended else ""
            place = place_code(e.kind, y)
            self.rows["Episodes"].append([child.id, _d(e.start), e.rne, e.ls, e.cin, place, e.provider,
                                          _d(e.end) if ended else "", e.rec if ended else "", reason_change,
                                          e.home, e.pl, urn_code(e.urn, place, e.ls, y)])
        for kind, start, end in child.missing:
            if self.in_year(start):
                self.rows["Missing"].append([child.id, dob, kind, _d(start), _d(end) if end <= self.last else ""])
        for review, code in child.reviews:
            if self.in_year(review):
                self.rows["Reviews"].append([child.id, dob, _d(review), code])
        if y >= 2024:
            workers = [w for w in child.social_workers if w[1] <= self.last and w[2] >= self.first]
            for n, (worker, start, end, reason) in enumerate(workers):
                # from 2025-26 a child's latest social worker episode stays open (rule SW17STG2)
                closed = end <= self.last and not (y >= 2026 and n == len(workers) - 1)
                self.rows["SWEpisodes"].append([child.id, dob, worker, _d(start), _d(end) if closed else "",
                                                reason])
        starts = [start for start in child.previous_permanence if self.in_year(start)]
        if starts:  # one row a child (rule INT35): the latest start in the year
            code, when = child.previous_permanence[starts[-1]]
            self.rows["PrevPerm"].append([child.id, dob, code, "" if code == "Z1" else self.la_number, when])
        adoption = child.adoption
        if adoption:
            self._adoption(child, adoption, looked_after_31_march)
        if self._oc2_eligible(child, episodes):
            self.rows["OC2"].append([child.id, dob, *self._oc2(rng, child)])

    def _adoption(self, child: Child, a: dict, looked_after: bool) -> None:  # type: ignore[type-arg]
        dob = _d(child.dob)
        decision, adopted = a["decision"], a["adopted"]
        if decision <= self.last and adopted >= self.first:
            self.rows["PlacedAdoption"].append([child.id, dob, _d(decision), "", ""])
        if self.in_year(adopted):
            self.rows["AD1"].append([child.id, dob, _d(decision), _d(a["match"]), a["foster_care"],
                                     a["adopters"], a["sex"], a["ls"]])

    def _oc2_eligible(self, child: Child, episodes: list[Episode]) -> bool:
        """Looked after continuously for 12 months on 31 March (short breaks left out)."""
        if child.short_breaks:
            return False
        for start, end, _ in child.periods:
            if start <= date(self.end_year - 1, 3, 31) and end > self.last:
                return True
        return False

    def _oc2(self, rng: random.Random, child: Child) -> list[str]:
        age = _age(child.dob, self.last)
        sdq_score, sdq_reason = "", ""
        if 4 <= age <= 17:
            if rng.random() < 0.75:
                sdq_score = str(min(40, max(0, round(rng.gauss(14, 7)))))
            else:  # SDQ1 (outside the ages) only at the edges (rule 157)
                sdq_reason = str(_weighted(rng, {"SDQ1": 30 if age in (4, 17) else 0, "SDQ2": 20, "SDQ3": 10,
                                                 "SDQ4": 20, "SDQ5": 20}))
        convicted = ("1" if rng.random() < 0.02 else "0") if age >= 10 else ""
        substance = "1" if age >= 10 and rng.random() < 0.03 else "0"
        # offered is left blank when the intervention was received (rule 158)
        received = "1" if rng.random() < 0.6 else "0"
        received, offered = ((received, "" if received == "1" else "1") if substance == "1" else ("", ""))
        def yes(p: float) -> str:
            return "1" if rng.random() < p else "0"
        return [sdq_score, sdq_reason, convicted, yes(0.9) if age < 5 else "", yes(0.85), yes(0.8), yes(0.9),
                substance, received, offered]

    def _oc3(self, child: Child) -> list[str] | None:
        """A care leaver's row: a birthday (17 to 21) in the year, in care after 16, not in care now."""
        if child.short_breaks or child.adoption:
            return None
        ages = [a for a in range(17, 22) if self.in_year(_birthday(child.dob, a))]
        if not ages:
            return None
        birthday = _birthday(child.dob, ages[0])
        sixteen = _birthday(child.dob, 16)
        fourteen = _birthday(child.dob, 14)
        weeks_after_14 = sum(max(0, (e - max(s, fourteen)).days) for s, e, _ in child.periods)
        after_16 = any(e > sixteen for s, e, _ in child.periods)
        in_care_on_birthday = any(s <= birthday < e for s, e, _ in child.periods)
        if weeks_after_14 < 91 or not after_16 or in_care_on_birthday:
            return None
        if child.periods[-1][2] in ("E3", "E2"):  # care taken by another council, or died (rule 1011)
            return None
        rng = random.Random(f"{child.seed}:oc3:{self.end_year}")
        touch = str(_weighted(rng, IN_TOUCH))
        if touch != "YES":
            return [touch, "0", "0"]
        suitable = "1" if rng.random() < ACCOMMODATION_SUITABLE_SHARE else "2"
        accommodation = str(_weighted(rng, ACCOMMODATION))
        if accommodation in ("S", "X"):  # no fixed abode and gone abroad are coded unsuitable only (rule 133)
            suitable = "2"
        return [touch, str(_weighted(rng, ACTIVITY)), accommodation + suitable]

    def write(self, folder: Path, tables: tuple[str, ...]) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for table in tables:
            path = folder / FILE_NAMES[table]
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(TABLE_COLUMNS[table])
            writer.writerows(self.rows[table])
            partial = path.with_name(f".{path.name}.partial")  # a file is there whole or not at all
            partial.write_text(buffer.getvalue(), encoding="utf-8", newline="")
            partial.replace(path)
            written.append(path)
        return written


# ---------------------------------------------------------------------------------------------------------
# Messy returns
# ---------------------------------------------------------------------------------------------------------

MESSY_SHARE = 0.01  # of the rows of each damaged table


def _damage(year: _Year, seed: int) -> None:
    """Damage about 1 % of the rows of the main tables, as councils' returns are damaged (deterministic)."""
    rng = random.Random(f"{seed}:messy:{year.end_year}")
    cols = {t: {c: i for i, c in enumerate(TABLE_COLUMNS[t])} for t in TABLE_COLUMNS}
    episodes = year.rows["Episodes"]
    damages = [
        ("Header", "ETHNIC", lambda v: "ZZZZ"),  # a code outside the list
        ("Header", "SEX", lambda v: ""),  # a missing value
        ("Header", "DOB", lambda v: "31/02/" + v[-4:] if v else v),  # a date that does not exist
        ("Episodes", "PLACE", lambda v: "Q9"),
        ("Episodes", "LS", lambda v: "X9"),
        ("Episodes", "DECOM", lambda v: v[6:] + "-" + v[3:5] + "-" + v[:2] if v else v),  # ISO, not DD/MM/YYYY
        ("Episodes", "REC", lambda v: "E99" if v else v),
        ("Missing", "MIS_START", lambda v: "not known"),
        ("Reviews", "REVIEW_CODE", lambda v: "PN9"),
    ]
    for table, column, change in damages:
        rows = year.rows[table]
        if not rows:
            continue
        for i in sorted(rng.sample(range(len(rows)), max(1, int(len(rows) * MESSY_SHARE)))):
            rows[i][cols[table][column]] = change(rows[i][cols[table][column]])
    # overlapping episodes: a child's next episode starts before the previous one ended
    c = cols["Episodes"]
    pairs = [i for i in range(1, len(episodes)) if episodes[i][0] == episodes[i - 1][0]
             and episodes[i - 1][c["DEC"]] and episodes[i][c["DECOM"]].count("/") == 2]
    for i in sorted(rng.sample(pairs, min(len(pairs), max(1, len(episodes) // 200)))):
        d, m, y = episodes[i - 1][c["DEC"]].split("/")
        try:
            earlier = date(int(y), int(m), int(d)) - timedelta(days=20)
        except ValueError:
            continue
        episodes[i][c["DECOM"]] = _d(earlier)


# ---------------------------------------------------------------------------------------------------------


def generate(out_dir: Path, la_code: str, years: list[int], children: int = 1000, seed: int = 0,
             messy: bool = False) -> list[Path]:
    """Write the returns of `la_code` for the collection years ending 31 March of each of `years` into
    `out_dir/<YYYY-YY>/`; return the files written, in order. Same arguments, byte-identical files."""
    if la_code not in POSTCODES:
        raise ConfigError(f"no postcodes for council {la_code!r} in the validator's reference package",
                          "give an upper-tier council code of England such as E10000016 (Kent)")
    years = sorted({int(y) for y in years})
    if not years or years[0] < FIRST_YEAR or years[-1] > LAST_YEAR:
        raise ConfigError(f"collection years must be between {FIRST_YEAR} and {LAST_YEAR}: {years}",
                          "give end years, e.g. 2021 2022 2023 2024 2025")
    if not 10 <= children <= 100_000:
        raise ConfigError(f"children must be between 10 and 100000: {children}", "give a council-sized number")
    simulation = _Simulation(la_code, seed, children)
    everyone = simulation.children(years[-1])
    written: list[Path] = []
    for end_year in years:
        year = _Year(end_year, la_code, seed)
        for child in everyone:
            year.add(child)
        if messy:
            _damage(year, seed)
        tables = tuple(t for t in TABLE_COLUMNS if t != "SWEpisodes" or end_year >= 2024)
        written += year.write(Path(out_dir) / year_folder(end_year), tables)
    return written
