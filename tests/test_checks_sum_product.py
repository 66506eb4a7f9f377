"""The checks of lean/TBN/SumProduct.lean pass; the Lean definitions are the project's BP; false
variants fail.

Independent references: `tbn.bp.belief_propagation` (round for round, SPEC contract of a round),
`tbn.exact.marginals`, and `tbn.graph.FactorGraph.is_tree`.
"""
import random

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from tbn.bp import belief_propagation
from tbn.checks import sum_product as sp
from tbn.checks._base import tolerance
from tbn.checks.factor_graph import random_graph, to_factor_graph
from tbn.exact import marginals

CHECKS = [getattr(sp, name) for name in sp.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=12, seed=5)
    assert result.instances == 12
    assert result.max_deviation <= tolerance(50), result.worst_case


def _max_gap(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10 ** 6), rounds=st.integers(1, 3))
def test_lean_rounds_are_the_projects_bp_rounds(seed, rounds):
    # Unnormalised Lean messages summed over full assignments give, once normalised, exactly the
    # beliefs of tbn.bp after the same number of flooding rounds, loopy graphs included.
    g = random_graph(random.Random(seed), max_n=4, max_k=3, max_factors=4, empty_scopes=False,
                     positive=True)
    ref = belief_propagation(to_factor_graph(g), schedule="flooding", max_iter=rounds, tol=0,
                             backend="mpmath", dps=50).marginals
    with mpmath.workdps(50):
        mu = sp.bp_rounds(g, rounds, sp.uniform_messages(g))
        for i in range(g.n):
            assert _max_gap(sp.belief(g, mu, i), ref[f"x{i}"]) <= tolerance(50)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(1, 5), k=st.integers(2, 3))
def test_lean_bp_is_exact_on_trees_after_enough_rounds(seed, n, k):
    # Pearl for general tree factor graphs, numerically, with the Lean definitions: after n
    # rounds (at least the number of variable-to-variable hops) beliefs are the exact marginals.
    g = sp.random_tree_graph(random.Random(seed), n, k)
    exact = marginals(to_factor_graph(g), arithmetic="mpmath", dps=50)
    with mpmath.workdps(50):
        mu = sp.bp_rounds(g, n, sp.random_messages(random.Random(seed + 1), g))
        for i in range(g.n):
            assert _max_gap(sp.belief(g, mu, i), exact[f"x{i}"]) <= tolerance(50)


def test_message_that_does_not_exclude_its_target_is_caught():
    # "A message to j excludes what came from j": including it breaks exactness on trees.
    def leaky_var_to_factor(g, mu):
        return [[[mpmath.fprod(mu[b][i][v] for b in sp.nbrs(g, i)) for v in range(g.k)]
                 for _ in g.factors] for i in range(g.n)]

    rng = random.Random(8)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(10):
            g = sp.random_tree_graph(rng, rng.randint(2, 4), 2)
            exact = marginals(to_factor_graph(g), arithmetic="mpmath", dps=50)
            mu = sp.uniform_messages(g)
            for _ in range(g.n):
                mu = sp.factor_to_var(g, leaky_var_to_factor(g, mu))
            for i in range(g.n):
                worst = max(worst, _max_gap(sp.belief(g, mu, i), exact[f"x{i}"]))
    assert worst > 1e-2


def test_edge_count_alone_is_not_the_tree_predicate():
    # A flag-like predicate (only |E| + 1 = |V|) disagrees with tbn.graph on some graph, the
    # full predicate never does.
    rng = random.Random(2)
    disagree_count_only = 0
    for _ in range(200):
        g = random_graph(rng, max_n=5, max_k=1, max_factors=5, positive=True)
        truth = to_factor_graph(g).is_tree()
        assert sp.is_tree(g) == truth
        disagree_count_only += (sp.num_edges(g) + 1 == sp.num_nodes(g)) != truth
    assert disagree_count_only > 0


def test_one_factor_less_makes_double_edge_a_tree():
    # The check of not_isTree_doubleEdge would fail for a statement about the single edge.
    g = sp.double_edge(2)
    single = type(g)(g.n, g.k, g.factors[:1])
    assert not sp.is_tree(g) and sp.is_tree(single)


def test_single_factor_needs_one_round():
    # Before the round (the initial messages themselves) the beliefs are not the marginals.
    rng = random.Random(9)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            g = random_graph(rng, max_n=4, max_k=3, max_factors=1, empty_scopes=False,
                             positive=True)
            if len(g.factors) != 1 or g.k < 2:
                continue
            mu = sp.random_messages(rng, g)
            for i in g.factors[0][0]:
                worst = max(worst, _max_gap(sp.belief(g, mu, i), fgc_marginal(g, i)))
    assert worst > 1e-2


def fgc_marginal(g, i):
    from tbn.checks.factor_graph import marginal
    return marginal(g, i)
