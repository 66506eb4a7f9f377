"""The checks of lean/TBN/Uniqueness.lean pass, and fail when a hypothesis is dropped.

Independent references: collinear points (where a second parameter vector fits), states that do
not span (where a non-indicator gathers), and a mis-scaled key map (where scores change).
"""
from fractions import Fraction

import mpmath
import pytest

from tbn.checks import uniqueness as U
from tbn.checks._base import tolerance

CHECKS = [getattr(U, name) for name in U.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=30, instances=25, seed=9)
    assert result.max_deviation <= tolerance(30), result.worst_case


def test_collinear_points_do_not_identify():
    # On the line y = 0 the weight w1 is free: (1, 5, 0) fits all three points.
    with mpmath.workdps(40):
        points = [(mpmath.mpf(x), mpmath.mpf(0)) for x in (0, 1, 2)]
        assert U._all_hold([mpmath.mpf(1), mpmath.mpf(5), mpmath.mpf(0)], points)
        (x1, y1), (x2, y2), (x3, y3) = points
        assert (x2 - x1) * (y3 - y1) - (x3 - x1) * (y2 - y1) == 0


def test_three_corners_identify():
    with mpmath.workdps(40):
        corners = [(mpmath.mpf(0), mpmath.mpf(0)), (mpmath.mpf(1), mpmath.mpf(0)),
                   (mpmath.mpf(0), mpmath.mpf(1))]
        solved = U.solve_ffn_params(corners)
        assert max(abs(s - t) for s, t in zip(solved, (1, 1, 0))) < 1e-35
        assert not U._all_hold([mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf(10) ** -20], corners)


def test_constant_states_do_not_identify_routing():
    # If every state were constant, any convex weights would "gather" s_m: the theorem needs all
    # states.
    weights = [Fraction(1, 3)] * 3
    for c in (-2, 0, 7):
        assert sum(w * c for w in weights) == c
    assert weights != [1, 0, 0]


def test_misscaled_key_map_changes_scores():
    with mpmath.workdps(40):
        Q, K = [[mpmath.mpf(1), mpmath.mpf(2)]], [[mpmath.mpf(3), mpmath.mpf(-1)]]
        x, y = [mpmath.mpf(1), mpmath.mpf(1)], [mpmath.mpf(2), mpmath.mpf(5)]
        assert U.score(Q, K, x, y) == 3 * 1
        assert U.score(U._scaled(2, Q), U._scaled(2, K), x, y) == 12
        assert U.score(U._scaled(2, Q), U._scaled(mpmath.mpf(1) / 2, K), x, y) == 3
