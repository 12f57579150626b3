"""GEO-PAIR: an area code keeps one name (and an LA's new code one old code), within a file and across files.

Within one file, the rows that disagree with the majority for a code are blamed, not every row after the
first one seen: one wrong `la_name` on line 500 of a file is reported on line 500, and only there. The
majority is the partner (name, or other code) on most of the code's rows; on a tie, the partner whose
first row comes first in the file wins, so of two rows that disagree the later one is blamed.

Across files, the first accepted file that names a code is the reference (GeoIndex): every row of a later
file that names that code otherwise is blamed, whatever the later file's majority.

Within one file and period an old LA code stands for one new code (old codes were reused after
reorganisations): the same majority rule, per period, and never across files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from carestats.check.distinct_values import DistinctValues, combine
from carestats.check.findings import RowFindings

PAIR_WORDS = {"country": ("country_code", "country_name"), "region": ("region_code", "region_name"),
              "la": ("new_la_code", "la_name"), "la-old": ("new_la_code", "old_la_code")}
PAIR_HINT = "use the publisher's code and name (a typo or an outdated code?)"


@dataclass
class GeoIndex:
    """Code → name (and new → old LA code) pairs seen so far, across files: first accepted file wins."""

    pairs: dict[tuple[str, str], tuple[str, str, int]] = field(default_factory=dict)

    def commit(self, local: dict[tuple[str, str], tuple[str, str, int]]) -> None:
        """Keep a passing file's pairs; old→new LA codes hold within one file and period only, so not them."""
        for key, value in local.items():
            if not key[0].startswith("old-new"):
                self.pairs.setdefault(key, value)


def check_pairs(findings: RowFindings, stage: int, name: str, rows: np.ndarray, lines: np.ndarray,
                column: Callable[[str], DistinctValues], present: set[str], geo: GeoIndex
                ) -> dict[tuple[str, str], tuple[str, str, int]]:
    """GEO-PAIR findings on `rows` (a mask: rows whose area rules ran); the file's own pairs, by
    (kind, code), for GeoIndex.commit when the file passes."""
    local: dict[tuple[str, str], tuple[str, str, int]] = {}
    for k, (kind, (a, b)) in enumerate(PAIR_WORDS.items()):
        if a in present and b in present:
            codes, code_names = _ids(column(a))
            partners, partner_names = _ids(column(b))
            _pairs(findings, stage + k, kind, a, b, name, _saying(rows, codes, code_names), lines, codes, codes,
                   code_names, partners, partner_names, geo, local)
    if "old_la_code" in present and "new_la_code" in present:
        periods, period_names = _ids(column("time_period"))
        olds, old_names = _ids(column("old_la_code"))
        news, new_names = _ids(column("new_la_code"))
        key = combine([(periods, len(period_names)), (olds, len(old_names))])
        # the message names the old code alone
        _pairs(findings, stage + len(PAIR_WORDS), "old-new", "old_la_code", "new_la_code", name,
               _saying(rows, olds, old_names), lines, key, olds, old_names, news, new_names, None, None)
    return local


def _ids(column: DistinctValues) -> tuple[np.ndarray, list[str]]:
    """Each row's id of its trimmed cell, and the trimmed cells by id."""
    ids, names = column.ids()
    return ids, column.values if names is column.dictionary else names.to_pylist()


def _saying(rows: np.ndarray, codes: np.ndarray, code_names: list[str]) -> np.ndarray:
    """`rows` without those whose code says nothing: empty, or "x" (a suppressed code)."""
    for said_nothing in ("", "x"):  # (the names are distinct: each at most once)
        if said_nothing in code_names:
            rows = rows & (codes != code_names.index(said_nothing))
    return rows


def _pairs(findings: RowFindings, stage: int, kind: str, a: str, b: str, name: str, rows: np.ndarray,
           lines: np.ndarray, codes: np.ndarray, name_ids: np.ndarray, code_names: list[str],
           partners: np.ndarray, partner_names: list[str], geo: GeoIndex | None,
           local: dict[tuple[str, str], tuple[str, str, int]] | None) -> None:
    """One kind of pair: blame the rows whose partner is not the reference partner of their code. A row's
    code is named code_names[name_ids[row]] (the old-new key by its old code alone)."""
    blank_partner = partner_names.index("") if "" in partner_names else -1
    at = np.flatnonzero(rows & (partners != blank_partner))
    if not len(at):
        return
    n_partners = max(len(partner_names), 1)
    pair = codes[at] * n_partners + partners[at]
    uniq, first, count = np.unique(pair, return_index=True, return_counts=True)
    pair_code, pair_partner = uniq // n_partners, uniq % n_partners
    # codes with one partner in this file: nothing to blame unless an earlier file names them otherwise
    lone = np.ones(len(uniq), bool)
    lone[1:] &= pair_code[1:] != pair_code[:-1]
    lone[:-1] &= pair_code[:-1] != pair_code[1:]
    reference: dict[int, tuple[str, str]] = {}  # code → (partner, where it is named so)
    bad: list[int] = []
    several: dict[int, list[tuple[int, int, int]]] = {}  # code → [(partner, first row, rows)]
    first_rows = at[first]
    pair_codes, pair_partners = pair_code.tolist(), pair_partner.tolist()
    named = [code_names[i] for i in name_ids[first_rows].tolist()]
    known = [geo.pairs.get((kind, n)) for n in named] if geo is not None else [None] * len(named)
    # most pairs are an earlier file's: nothing to say of them
    todo = [j for j, earlier in enumerate(known) if earlier is None or earlier[0] != partner_names[pair_partners[j]]]
    rows_of, lines_of, counts, lones = first_rows.tolist(), lines[first_rows].tolist(), count.tolist(), lone.tolist()
    for j in todo:
        code, code_name, earlier, partner = pair_codes[j], named[j], known[j], pair_partners[j]
        row, line, c, alone = rows_of[j], lines_of[j], counts[j], lones[j]
        if earlier is not None:
            if partner_names[partner] != earlier[0]:
                where = f"line {earlier[2]}" if earlier[1] == name else f"{earlier[1]} line {earlier[2]}"
                reference[code] = (earlier[0], where)
                bad.append(code * n_partners + partner)
        elif alone:
            if local is not None:
                local[(kind, code_name)] = (partner_names[partner], name, line)
        else:
            several.setdefault(code, []).append((partner, row, c))
    for code, seen in several.items():
        # the majority partner; on a tie, the one seen first
        best, first_row, n = min(seen, key=lambda s: (-s[2], s[1]))
        where = f"line {lines[first_row]}" + (f" (and {n - 1} more line(s))" if n > 1 else "")
        reference[code] = (partner_names[best], where)
        bad += [code * n_partners + p for p, _, _ in seen if p != best]
        if local is not None:
            local[(kind, code_names[name_ids[first_row]])] = (partner_names[best], name, int(lines[first_row]))
    if not bad:
        return
    blamed = at[np.isin(pair, bad)]

    def describe(row: int) -> tuple[str, str, str]:
        code, partner = int(codes[row]), partner_names[partners[row]]
        ref, where = reference[code]
        return b, f"{a} {code_names[name_ids[row]]} goes with {b} {partner!r} here but {ref!r} in {where}", PAIR_HINT

    findings.add("GEO-PAIR", stage, blamed, describe)
