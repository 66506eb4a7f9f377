"""Log-odds algebra (SPEC 3.1): sigmoid, logit, oplus, softplus.

Three arithmetics share one set of names: plain floats (fast), `fractions.Fraction` where the
operation is rational (oplus is; sigmoid is not), and mpmath numbers for high-precision checks.
The mpmath forms take their precision from the caller's `mpmath.workdps` scope, never a global.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: a float64 program never loads mpmath
    import mpmath

__all__ = [
    "sigmoid", "logit", "oplus", "softplus",
    "mp_sigmoid", "mp_logit", "mp_oplus", "mp_softplus",
]


def sigmoid(x: float) -> float:
    """sigma(x) = 1 / (1 + e^-x), evaluated without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float) -> float:
    """log(p / (1 - p)) on (0, 1); +-inf at the endpoints (hard evidence)."""
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    if not 0 < p < 1:
        raise ValueError(f"logit needs a probability in [0, 1], got {p!r}")
    return math.log(p) - math.log1p(-p)


def softplus(x: float) -> float:
    """log(1 + e^x), stable for large |x|."""
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def oplus(m0, m1):
    """The paper's updateBelief: m0*m1 / (m0*m1 + (1-m0)*(1-m1)).

    Rational, so it is exact on `Fraction` inputs and works unchanged on floats and mpmath numbers.
    Undefined (0/0) only at {m0, m1} = {0, 1}.
    """
    num = m0 * m1
    den = num + (1 - m0) * (1 - m1)
    if den == 0:
        raise ZeroDivisionError("oplus(0, 1) is undefined: contradictory certain beliefs")
    if isinstance(num, Fraction) or isinstance(den, Fraction):
        return Fraction(num) / Fraction(den)
    return num / den


def mp_sigmoid(x) -> mpmath.mpf:
    """sigma at the current mpmath precision."""
    import mpmath

    x = mpmath.mpf(x)
    return 1 / (1 + mpmath.exp(-x))


def mp_logit(p) -> mpmath.mpf:
    """logit at the current mpmath precision; +-inf at 0 and 1."""
    import mpmath

    p = mpmath.mpf(p)
    if p == 0:
        return mpmath.ninf
    if p == 1:
        return mpmath.inf
    return mpmath.log(p) - mpmath.log1p(-p)


def mp_oplus(m0, m1) -> mpmath.mpf:
    """oplus at the current mpmath precision."""
    import mpmath

    return oplus(mpmath.mpf(m0), mpmath.mpf(m1))


def mp_softplus(x) -> mpmath.mpf:
    """softplus at the current mpmath precision."""
    import mpmath

    x = mpmath.mpf(x)
    if x > 0:
        return x + mpmath.log1p(mpmath.exp(-x))
    return mpmath.log1p(mpmath.exp(x))
