"""The contract between a numerical check and the gate that runs it."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable

import mpmath

__all__ = ["CheckResult", "worst_deviation", "tolerance", "to_mpf"]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check.

    ``max_deviation`` is the largest |lhs - rhs| over all instances, as an mpmath number; a check of
    a discrete statement (counts, Boolean facts) reports 0 when it holds on every instance and 1 on
    the first counterexample.  ``worst_case`` describes the instance that produced it.
    """

    max_deviation: mpmath.mpf
    instances: int
    worst_case: str = ""


def tolerance(precision: int) -> mpmath.mpf:
    """What the gate accepts: ten digits of slack below the working precision."""
    return mpmath.mpf(10) ** (-(precision - 10))


def to_mpf(x) -> mpmath.mpf:
    """An mpf from an int, float, mpf, string or ``Fraction`` (exactly, at the working
    precision); mpmath itself does not accept Fractions."""
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    return mpmath.mpf(x)


def worst_deviation(cases: Iterable, deviation: Callable[[object], object]) -> CheckResult:
    """Evaluate ``deviation(case)`` on every case and keep the worst (with its description)."""
    worst = mpmath.mpf(0)
    worst_case = ""
    count = 0
    for case in cases:
        d = abs(to_mpf(deviation(case)))
        if mpmath.isnan(d):  # a NaN must never pass as a small deviation
            d = mpmath.inf
        count += 1
        if d > worst or count == 1:
            worst, worst_case = max(worst, d), repr(case)[:200]
    return CheckResult(worst, count, worst_case)
