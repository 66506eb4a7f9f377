"""The checks of lean/TBN/AndOr.lean pass, and fail on deliberately false variants.

Independent references: the Boolean truth tables of OR and AND, and the closed form
sigma(k/2) = 1 - sigma(-k/2) at the decision boundary.
"""
import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from tbn.algebra import mp_sigmoid
from tbn.checks import and_or as A
from tbn.checks._base import tolerance

CHECKS = [getattr(A, name) for name in A.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=30, instances=30, seed=3)
    assert result.max_deviation <= tolerance(30), result.worst_case


def test_or_unit_with_the_and_bias_is_not_or(monkeypatch):
    monkeypatch.setattr(A, "or_score", A.and_score)
    assert A.check_or_gate_gt_half_iff(30, 20, 0).max_deviation == 1


def test_and_unit_with_the_or_bias_is_not_and(monkeypatch):
    monkeypatch.setattr(A, "and_score", A.or_score)
    assert A.check_and_gate_gt_half_iff(30, 20, 0).max_deviation == 1


def test_tighter_bound_is_false():
    # |sigma(score) - OR| <= sigma(-k) is false (the (0, 0) input sits at exactly sigma(-k/2)).
    wrong = A._gains(30, 20, 0, lambda k, b0, b1: A._bound_violation(
        abs(mp_sigmoid(A.or_score(k, b0, b1)) - int(b0 or b1)), mp_sigmoid(-k)))
    assert wrong.max_deviation > 1e-3


@settings(max_examples=50, deadline=None)
@given(st.floats(0.01, 60))
def test_truth_tables_and_exact_boundary(k):
    with mpmath.workdps(60):
        k = mpmath.mpf(k)
        for b0 in (False, True):
            for b1 in (False, True):
                assert (mp_sigmoid(A.or_score(k, b0, b1)) > 0.5) == (b0 or b1)
                assert (mp_sigmoid(A.and_score(k, b0, b1)) > 0.5) == (b0 and b1)
        # OR on (0, 0) is exactly sigma(-k/2) away from 0; AND on (1, 1) exactly from 1.
        assert mp_sigmoid(A.or_score(k, False, False)) == mp_sigmoid(-k / 2)
        assert abs(1 - mp_sigmoid(A.and_score(k, True, True)) - mp_sigmoid(-k / 2)) < 1e-55
