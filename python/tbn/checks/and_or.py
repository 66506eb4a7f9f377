"""Checks of ``lean/TBN/AndOr.lean``: Boolean limits of one sigmoid unit and the OR update (SPEC 3.8).

Every instance draws a gain ``k > 0`` (from 1e-30 to 100) and runs all four Boolean inputs.  The
threshold statements report 0 when the two truth values agree; the error bounds report by how
much, relative to ``sigma(-k/2)``, the distance to the Boolean value exceeds ``sigma(-k/2)`` (0 when
the bound holds).  Numbers are evaluated at ``precision + GUARD`` digits.
"""
from __future__ import annotations

import random

import mpmath

from ..algebra import mp_oplus, mp_sigmoid
from ._base import CheckResult, worst_deviation
from .log_odds import GUARD, draw_real, relative_deviation

__all__ = ["draw_gain", "or_score", "and_score", "check_abs_sigmoid_sub_one_le",
           "check_abs_sigmoid_sub_zero_le", "check_or_gate_gt_half_iff",
           "check_and_gate_gt_half_iff", "check_or_gate_error_le", "check_and_gate_error_le",
           "check_or_update_decode"]

BOOLEAN_PAIRS = ((False, False), (False, True), (True, False), (True, True))


def draw_gain(rng: random.Random) -> mpmath.mpf:
    """A gain k > 0: tiny (down to 1e-30), moderate or steep (up to 100)."""
    kind = rng.random()
    if kind < 0.2:
        return mpmath.mpf(10) ** -rng.randint(3, 30)
    if kind < 0.4:
        return mpmath.mpf(rng.uniform(20, 100))
    return mpmath.mpf(rng.uniform(0.01, 20))


def or_score(k, b0: bool, b1: bool) -> mpmath.mpf:
    """k (x0 + x1) - k/2: the OR unit's input."""
    return k * (int(b0) + int(b1)) - k / 2


def and_score(k, b0: bool, b1: bool) -> mpmath.mpf:
    """k (x0 + x1) - 3k/2: the AND unit's input."""
    return k * (int(b0) + int(b1)) - 3 * k / 2


def _bound_violation(lhs, bound) -> mpmath.mpf:
    """How far ``lhs <= bound`` fails, relative to the bound (0 when it holds)."""
    return max(mpmath.mpf(0), (lhs - bound) / bound)


def _gains(precision: int, instances: int, seed: int, deviation) -> CheckResult:
    """Worst ``deviation(k, b0, b1)`` over drawn gains and all four Boolean inputs."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = [(draw_gain(rng), b0, b1) for _ in range(instances) for b0, b1 in BOOLEAN_PAIRS]
        return worst_deviation(cases, lambda case: deviation(*case))


def _saturation(precision: int, instances: int, seed: int, target: int) -> CheckResult:
    """|sigma(s) - target| <= sigma(-k/2) for s beyond the threshold on target's side: s >= k/2
    (target 1) or s <= -k/2 (target 0), exactly at it one time in five."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = []
        for _ in range(instances):
            k = draw_gain(rng)
            beyond = 0 if rng.random() < 0.2 else abs(draw_real(rng))
            cases.append((k, k / 2 + beyond if target else -k / 2 - beyond))
        return worst_deviation(cases, lambda c: _bound_violation(abs(mp_sigmoid(c[1]) - target),
                                                                 mp_sigmoid(-c[0] / 2)))


def check_abs_sigmoid_sub_one_le(precision: int, instances: int, seed: int) -> CheckResult:
    """s >= k/2 implies |sigma(s) - 1| <= sigma(-k/2)."""
    return _saturation(precision, instances, seed, 1)


def check_abs_sigmoid_sub_zero_le(precision: int, instances: int, seed: int) -> CheckResult:
    """s <= -k/2 implies |sigma(s) - 0| <= sigma(-k/2)."""
    return _saturation(precision, instances, seed, 0)


def check_or_gate_gt_half_iff(precision: int, instances: int, seed: int) -> CheckResult:
    """1/2 < sigma(k(x0 + x1) - k/2) iff x0 or x1, for k > 0."""
    return _gains(precision, instances, seed, lambda k, b0, b1: 0 if (
        (mp_sigmoid(or_score(k, b0, b1)) > mpmath.mpf(1) / 2) == (b0 or b1)) else 1)


def check_and_gate_gt_half_iff(precision: int, instances: int, seed: int) -> CheckResult:
    """1/2 < sigma(k(x0 + x1) - 3k/2) iff x0 and x1, for k > 0."""
    return _gains(precision, instances, seed, lambda k, b0, b1: 0 if (
        (mp_sigmoid(and_score(k, b0, b1)) > mpmath.mpf(1) / 2) == (b0 and b1)) else 1)


def check_or_gate_error_le(precision: int, instances: int, seed: int) -> CheckResult:
    """|sigma(k(x0 + x1) - k/2) - (x0 or x1)| <= sigma(-k/2)."""
    return _gains(precision, instances, seed, lambda k, b0, b1: _bound_violation(
        abs(mp_sigmoid(or_score(k, b0, b1)) - int(b0 or b1)), mp_sigmoid(-k / 2)))


def check_and_gate_error_le(precision: int, instances: int, seed: int) -> CheckResult:
    """|sigma(k(x0 + x1) - 3k/2) - (x0 and x1)| <= sigma(-k/2)."""
    return _gains(precision, instances, seed, lambda k, b0, b1: _bound_violation(
        abs(mp_sigmoid(and_score(k, b0, b1)) - int(b0 and b1)), mp_sigmoid(-k / 2)))


def check_or_update_decode(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(l0 + l1) = oplus(sigma l0, sigma l1) for all real log-odds."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = [(draw_real(rng), draw_real(rng)) for _ in range(instances)]
        return worst_deviation(cases, lambda c: relative_deviation(
            mp_sigmoid(c[0] + c[1]), mp_oplus(mp_sigmoid(c[0]), mp_sigmoid(c[1]))))
