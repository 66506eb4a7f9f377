"""Random exact table entries and the deviation measures shared by the factor-graph checks.

Entries are `Fraction`s, so a model is the same at every precision; the checks turn them into
mpmath numbers with `tbn.checks._base.to_mpf` inside their own ``mpmath.workdps`` scope.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Iterable

import mpmath

__all__ = ["exact_entry", "positive_entry", "relative_gap", "negative_part"]


def exact_entry(rng: random.Random, *, signed: bool = False) -> Fraction:
    """Mostly moderate; sometimes 0, tiny (down to 1e-30: beliefs near 0 and 1) or huge (up to
    1e20); negative 30% of the time when ``signed``."""
    kind = rng.random()
    if kind < 0.1:
        x = Fraction(0)
    elif kind < 0.17:
        x = Fraction(1, 10 ** rng.randint(10, 30))
    elif kind < 0.21:
        x = Fraction(10 ** rng.randint(5, 20))
    else:
        x = Fraction(rng.randint(1, 60), rng.randint(1, 25))
    return -x if signed and rng.random() < 0.3 else x


def positive_entry(rng: random.Random) -> Fraction:
    """A positive entry, with extreme ratios now and then."""
    kind = rng.random()
    if kind < 0.1:
        return Fraction(1, 10 ** rng.randint(10, 30))
    if kind < 0.15:
        return Fraction(10 ** rng.randint(5, 15))
    return Fraction(rng.randint(1, 60), rng.randint(1, 25))


def relative_gap(a, b) -> mpmath.mpf:
    """``|a - b| / max(1, |a|, |b|)``: absolute for probabilities, relative for large weights."""
    return abs(a - b) / max(mpmath.mpf(1), abs(a), abs(b))


def negative_part(values: Iterable) -> mpmath.mpf:
    """What a nonnegativity statement measures: how far the smallest value is below zero."""
    return max((max(mpmath.mpf(0), -v) for v in values), default=mpmath.mpf(0))
