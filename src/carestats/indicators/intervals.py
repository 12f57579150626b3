"""Confidence intervals and funnel limits, in plain Python (the methods are in docs/methods.md).

- Wilson score interval for a proportion.
- Exact (Garwood) interval for a Poisson count, from the quantiles of the gamma distribution; it accepts
  a count that is not a whole number (one implied by a rounded published rate).
- Funnel limits for a proportion around a target: the values a unit of that size can take without its
  score test rejecting the target, so a unit lies outside the limits exactly when its Wilson interval
  excludes the target.

wilson_exprs and funnel_exprs are the same formulas on Polars columns: the same operations in the same
order, so each row gets the very doubles wilson() and funnel() give (tests/test_compare.py checks it).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist
from typing import Any

Z95 = NormalDist().inv_cdf(0.975)
Z998 = NormalDist().inv_cdf(0.999)


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for an observed proportion p (0..1) out of n."""
    if n <= 0 or not 0 <= p <= 1:
        raise ValueError(f"Wilson interval needs 0 <= p <= 1 and n > 0 (p={p}, n={n})")
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    square = 4 * n * n  # 0.0 below n of about 1e-154: the term is then infinite, as in the column form
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + (z2 / square if square else math.inf))
    low = 0.0 if p == 0 else max(0.0, centre - half)
    return low, 1.0 if p == 1 else min(1.0, centre + half)


def funnel(p0: float, n: float, z: float) -> tuple[float, float]:
    """Limits around a target proportion p0 (0..1) for a unit of size n, at normal quantile z."""
    if n <= 0 or not 0 <= p0 <= 1:
        raise ValueError(f"funnel limits need 0 <= p0 <= 1 and n > 0 (p0={p0}, n={n})")
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return max(0.0, p0 - half), min(1.0, p0 + half)


def wilson_exprs(p: Any, n: Any, z: float = Z95) -> tuple[Any, Any]:
    """wilson() on Polars columns (p in 0..1, n > 0: the caller keeps other rows out)."""
    import polars as pl

    z2 = z * z
    shrink = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / shrink
    half = pl.lit(z) / shrink * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()
    return (pl.when(p == 0.0).then(0.0).otherwise(_at_least_zero(centre - half)),
            pl.when(p == 1.0).then(1.0).otherwise(_at_most_one(centre + half)))


def funnel_exprs(p0: Any, n: Any, z: float) -> tuple[Any, Any]:
    """funnel() on Polars columns (p0 in 0..1, n > 0: the caller keeps other rows out)."""
    import polars as pl

    half = pl.lit(z) * (p0 * (1.0 - p0) / n).sqrt()
    return _at_least_zero(p0 - half), _at_most_one(p0 + half)


def divided(x: Any, divisor: float, rows: int) -> Any:
    """x / divisor on a column of `rows` rows, to the double Python's x / divisor gives. (Polars divides by
    a constant by multiplying by its reciprocal, which is off in the last bit for some x: so the divisor is
    given as a column of its own.)"""
    import polars as pl

    return x / pl.lit(pl.repeat(float(divisor), rows, eager=True))


def _at_least_zero(x: Any) -> Any:
    """max(0.0, x) as Python gives it (0.0 unless x is greater, so never -0.0)."""
    import polars as pl

    return pl.when(x > 0.0).then(x).otherwise(0.0)


def _at_most_one(x: Any) -> Any:
    """min(1.0, x) as Python gives it."""
    import polars as pl

    return pl.when(x < 1.0).then(x).otherwise(1.0)


def _lower_gamma(a: float, x: float) -> float:
    """The regularised lower incomplete gamma function P(a, x)."""
    if x <= 0:
        return 0.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        # series: sum of x^k / (a (a+1) ... (a+k))
        term = total = 1.0 / a
        k = 0
        while abs(term) > abs(total) * 1e-15:
            k += 1
            term *= x / (a + k)
            total += term
        return min(1.0, math.exp(log_front) * total)
    # continued fraction for the upper function Q(a, x), evaluated by the modified Lentz method
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < 1e-15:
            break
    return max(0.0, 1.0 - math.exp(log_front) * h)


@lru_cache(maxsize=65536)
def gamma_quantile(q: float, a: float) -> float:
    """x with P(a, x) = q, for shape a > 0 and 0 < q < 1 (Newton steps kept inside a bracket)."""
    if a <= 0 or not 0 < q < 1:
        raise ValueError(f"gamma quantile needs a > 0 and 0 < q < 1 (a={a}, q={q})")
    z = NormalDist().inv_cdf(q)
    x = a * (1 - 1 / (9 * a) + z / (3 * math.sqrt(a))) ** 3 if a >= 1 else 0.0  # Wilson-Hilferty start
    if not x > 0:
        x = math.exp((math.log(q) + math.lgamma(a + 1)) / a)  # small-x start: P(a, x) ~ x^a / Gamma(a+1)
        if x == 0.0:
            return 0.0  # below the smallest positive double
    lo, hi = 0.0, math.inf
    for _ in range(200):
        f = _lower_gamma(a, x) - q
        if f < 0:
            lo = x
        else:
            hi = x
        try:
            density = math.exp((a - 1) * math.log(x) - x - math.lgamma(a)) if x > 0 else 0.0
        except OverflowError:  # a tiny shape a and x near the smallest doubles: P(a, x) rises from 0 there
            return x           # in a step steeper than any double holds, so x is as near as it gets
        nxt = x - f / density if density > 0 else math.nan
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2 if math.isfinite(hi) else max(2 * x, x + 1)
        if abs(nxt - x) <= 1e-13 * x:
            return nxt
        x = nxt
    return x


def poisson_exact(count: float, conf: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for the mean of a Poisson count (which may be fractional)."""
    if count < 0:
        raise ValueError(f"a Poisson count cannot be negative ({count})")
    alpha = 1 - conf
    low = 0.0 if count == 0 else gamma_quantile(alpha / 2, count)
    return low, gamma_quantile(1 - alpha / 2, count + 1)
