"""The checks of lean/TBN/LogOdds.lean pass, and fail on deliberately false variants.

Independent references: closed forms (sigma(0) = 1/2, logit(1/2) = 0, 1 - sigma(x) = sigma(-x)),
exact rational arithmetic for oplus, integer ceil(log2 k), and exhaustive enumeration of tree
shapes.
"""
from fractions import Fraction

import mpmath
import pytest
from hypothesis import example, given, settings, strategies as st

from tbn.algebra import mp_logit, mp_oplus, mp_sigmoid, oplus
from tbn.checks import log_odds as L
from tbn.checks._base import tolerance

CHECKS = [getattr(L, name) for name in L.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=30, instances=30, seed=11)
    assert result.instances >= 1
    assert result.max_deviation <= tolerance(30), result.worst_case


def _fails(result):
    return result.max_deviation > mpmath.mpf(10) ** -5


def test_false_oplus_law_fails():
    # oplus(sigma x, sigma y) = sigma(x * y) is false.
    wrong = L._run(30, 40, 0, L._reals(2), lambda x, y: L.relative_deviation(
        mp_oplus(mp_sigmoid(x), mp_sigmoid(y)), mp_sigmoid(x * y)))
    assert _fails(wrong)


def test_check_catches_a_wrong_oplus(monkeypatch):
    # If oplus were the plain product of beliefs, the tree and fold checks must fail.
    monkeypatch.setattr(L, "oplus", lambda a, b: a * b)
    assert _fails(L.check_btree_eval_oplus_eq_sigmoid_sum(30, 30, 0))
    assert _fails(L.check_oplus_list_eq_sigmoid_sum(30, 30, 0))


def test_check_catches_a_wrong_sigmoid(monkeypatch):
    # (A sigmoid of 2x would still satisfy the oplus law; this one does not.)
    monkeypatch.setattr(L, "mp_sigmoid", lambda x: 1 / (2 + mpmath.exp(-x)))
    assert _fails(L.check_logit_sigmoid(30, 30, 0))
    assert _fails(L.check_oplus_sigmoid_sigmoid(30, 30, 0))


def test_false_group_laws_fail():
    # The average is commutative but not associative, and 1/2 is not its identity.
    average = lambda a, b: (a + b) / 2
    assert _fails(L._run(30, 40, 0, L._fractions(3), lambda a, b, c: L._mpf(
        abs(average(average(a, b), c) - average(a, average(b, c))))))
    # oplus(a, a) = 1/2 is false (the inverse is 1 - a, not a).
    assert _fails(L._run(30, 40, 0, L._probs(1), lambda a: mp_oplus(a, a) - mpmath.mpf(1) / 2))


def test_false_depth_statements_fail():
    # One level fewer than ceil(log2 k) is not enough for some tree, and floor(log2 k) is not
    # the least depth when k is not a power of two.
    assert _fails(L._exhaustive(lambda t: len(L.leaves(t)) <= 2 ** max(L.depth(t) - 1, 0)))
    assert min(L.depth(s) for s in L.shapes(5)) != (5).bit_length() - 1


def test_closed_forms_and_edge_values():
    with mpmath.workdps(60):
        assert mp_sigmoid(0) == mpmath.mpf(1) / 2
        assert mp_logit(mpmath.mpf(1) / 2) == 0
        assert abs(mp_sigmoid(-3) - (1 - mp_sigmoid(3))) < mpmath.mpf(10) ** -55
        p = 1 - mpmath.mpf(10) ** -30
        assert abs(mp_sigmoid(mp_logit(p)) - p) < mpmath.mpf(10) ** -55
    # oplus is exact on rationals: 1/3 (+) 1/3 = (1/9) / (1/9 + 4/9) = 1/5.
    assert oplus(Fraction(1, 3), Fraction(1, 3)) == Fraction(1, 5)
    assert oplus(Fraction(1, 10 ** 30), 1 - Fraction(1, 10 ** 30)) == Fraction(1, 2)


def test_shapes_are_catalan_and_balanced_depths():
    catalan = [1, 1, 2, 5, 14, 42, 132, 429]
    assert [len(L.shapes(k)) for k in range(1, 9)] == catalan
    for k, expected in [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4), (1000, 10)]:
        t = L.balanced_tree(list(range(k)))
        assert L.depth(t) == expected == L.clog2(k)
        assert L.leaves(t) == list(range(k))


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50), st.floats(-50, 50))
@example(0.0, 0.0)
@example(50.0, -50.0)
def test_oplus_adds_log_odds(x, y):
    with mpmath.workdps(80):
        lhs, rhs = mp_oplus(mp_sigmoid(x), mp_sigmoid(y)), mp_sigmoid(mpmath.mpf(x) + y)
        assert L.relative_deviation(lhs, rhs) < mpmath.mpf(10) ** -50


@settings(max_examples=40, deadline=None)
@given(st.lists(st.fractions(min_value=Fraction(1, 10 ** 12), max_value=1 - Fraction(1, 10 ** 12)),
                min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_any_tree_equals_the_fold(values, rng):
    with mpmath.workdps(60):
        t = L.random_tree(rng, values)
        assert L.eval_oplus(t) == L.oplus_list(values)
        assert L._fold_deviation(L.eval_oplus(t), values) < mpmath.mpf(10) ** -40
