"""The checks of lean/TBN/TreeBP.lean pass; with too few rounds the statements fail.

Independent reference: `tbn.exact.marginals`; also `tbn.bp.belief_propagation`, round for
round, on random flat trees with factors of arity up to 4.
"""
import random
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from tbn.bp import belief_propagation
from tbn.checks import sum_product as sp
from tbn.checks import tree_bp as tb
from tbn.checks._base import tolerance
from tbn.checks.factor_graph import LeanGraph, to_factor_graph
from tbn.checks.tree_graph import Rooting, random_flat_tree

CHECKS = [getattr(tb, name) for name in tb.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=12, seed=5)
    assert result.instances == 12
    assert result.max_deviation <= tolerance(50), result.worst_case


def test_zero_partition_gives_zero_on_both_sides():
    g = next(tb.small_trees(0, 1))
    with mpmath.workdps(50):
        assert tb.partition(g) == 0
        mu = tb.message_history(g, 4)[-1]
        for i in range(g.n):
            assert sp.belief(g, mu, i) == [0, 0] and tb.marginal(g, i) == [0, 0]


def test_up_message_one_round_too_early_fails_on_a_path():
    # Path x0 - ... - x4 with a unary factor at the end, rooted at x0: the message of the factor
    # below the root is proportional to its subtree marginal after factor_depth rounds, not one
    # round earlier; and the statement's own bound is tight at the leaf factor (slack 1: t = 0).
    g = tb.path_tree(random.Random(1), 5)
    depth = tb.factor_depth(g, 0)
    ro = Rooting(g, ("var", 0))
    assert depth == 5 and ro.ecc == 9
    with mpmath.workdps(50):
        history = tb.message_history(g, ro.ecc + 1)
        exact_sub = tb.subtree_marginal(ro, 0, 0)
        assert tb.proportional_gap(history[depth][0][0], exact_sub) <= tolerance(50)
        assert tb.proportional_gap(history[depth - 1][0][0], exact_sub) > 1e-3
        assert max(gp for gp, *_ in tb.up_message_gaps(g, history, 0)) <= tolerance(50)
        assert max(gp for gp, *_ in tb.up_message_gaps(g, history, 0, slack=1)) > 1e-2


def test_pearl_one_round_fewer_fails_on_a_long_path():
    # Beliefs at the end of a long path are exact after factor_depth rounds (<= ecc) and not
    # one round earlier; ecc = 2 * depth - 1 here, so the Lean bound is sufficient, not tight.
    g = tb.path_tree(random.Random(2), 6)
    depth = tb.factor_depth(g, 0)
    with mpmath.workdps(50):
        history = tb.message_history(g, Rooting(g, ("var", 0)).ecc)
        assert tb.pearl_gap(g, history[-1], 0, 50) <= tolerance(50)
        assert tb.pearl_gap(g, history[depth], 0, 50) <= tolerance(50)
        assert tb.pearl_gap(g, history[depth - 1], 0, 50) > 1e-3


def test_pearl_at_ecc_minus_one_fails_where_ecc_is_tight():
    # One variable with a unary factor: ecc = 1, and after 0 rounds the belief is uniform.
    g = LeanGraph(1, 2, (((0,), {(0,): Fraction(1), (1,): Fraction(3)}),))
    assert Rooting(g, ("var", 0)).ecc == 1
    with mpmath.workdps(50):
        history = tb.message_history(g, 1)
        assert tb.pearl_gap(g, history[1], 0, 50) <= tolerance(50)
        assert tb.pearl_gap(g, history[0], 0, 50) > 0.2


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(1, 4), k=st.integers(2, 3))
def test_flat_bp_on_flat_trees_is_the_projects_bp_and_exact(seed, n, k):
    # On trees with factors of arity 1 to 4, after ecc rounds at the root, the Lean BP belief is
    # tbn.exact's marginal and tbn.bp's belief after the same number of flooding rounds.
    g = random_flat_tree(random.Random(seed), n=n, k=k, positive=True)
    with mpmath.workdps(50):
        for i in range(g.n):
            T = Rooting(g, ("var", i)).ecc
            mu = sp.bp_rounds(g, T, sp.uniform_messages(g))
            assert tb.pearl_gap(g, mu, i, 50) <= tolerance(50)
            if T:
                ref = belief_propagation(to_factor_graph(g), schedule="flooding", max_iter=T,
                                         tol=0, backend="mpmath", dps=50).marginals[f"x{i}"]
                assert max(abs(a - b) for a, b in zip(sp.belief(g, mu, i), ref)) <= tolerance(50)
