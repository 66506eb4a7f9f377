"""The checks of lean/TBN/TreeGraph.lean pass; the twins are Lean's definitions; false variants
(and dropped hypotheses) fail.

Independent references: the literal ``reach`` sets of `tbn.checks.sum_product` and
`tbn.graph.FactorGraph.is_tree`.
"""
import random

import pytest
from hypothesis import given, settings, strategies as st

from tbn.checks import sum_product as sp
from tbn.checks import tree_graph as tg
from tbn.checks._base import tolerance
from tbn.checks.factor_graph import random_graph, to_factor_graph

CHECKS = [getattr(tg, name) for name in tg.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=20, seed=5)
    assert result.instances == 20
    assert result.max_deviation <= tolerance(50), result.worst_case


def test_bfs_dist_is_the_least_reach_step():
    # bfsDist r w = least k with w in reach r k (0 if none), from the Lean twin of reach itself.
    rng = random.Random(1)
    for _ in range(30):
        g = random_graph(rng, max_n=4, max_k=2, max_factors=4)
        for r in sp._nodes(g):
            d = tg.bfs_dists(g, r)
            for w in sp._nodes(g):
                steps = [k for k in range(sp.num_nodes(g) + 1) if w in sp.reach(g, r, k)]
                assert d[w] == (steps[0] if steps else 0)


def test_parent_choice_is_exercised_on_cycles():
    # On a 2-cycle the far variable has two candidate parents; the seeded draws take both.
    g = sp.double_edge(2)
    rng = random.Random(0)
    parents = {tg.bfs_par_map(g, ("var", 0), rng)[("var", 1)] for _ in range(20)}
    assert parents == {("fac", 0), ("fac", 1)}


def test_edge_count_bound_is_tight_on_trees_and_strict_with_cycles():
    trees = list(tg.tree_graphs(3, 40))
    assert all(sp.num_nodes(g) == sp.num_edges(g) + 1 for g in trees)
    cyclic = [g for g in tg.connected_graphs(3, 60) if not sp.is_tree(g)]
    assert len(cyclic) > 20
    assert all(sp.num_nodes(g) < sp.num_edges(g) + 1 for g in cyclic)


def test_edge_count_bound_without_the_one_fails():
    # "numNodes <= numEdges" is false (trees): the same driver reports the counterexample.
    def wrong(ro):
        return None if sp.num_nodes(ro.fg) <= sp.num_edges(ro.fg) else "too few edges"
    assert tg.discrete_check(tg.tree_graphs(3, 10), wrong, 3).max_deviation == 1


def test_edge_count_bound_needs_connectedness():
    # Isolated variables: |V| > |E| + 1, so the hypothesis Connected is needed.
    graphs = [g for g in tg.any_graphs(4, 60) if not sp.connected(g)]
    assert tg.discrete_check(graphs, tg.stmt_num_nodes_le_num_edges_succ, 4).max_deviation == 1


def test_adj_eq_parent_fails_with_a_cycle():
    # The tree hypothesis matters: on a cycle some edge joins two nodes neither of which is the
    # other's parent (the double edge, and random connected graphs with cycles).
    assert tg.discrete_check([sp.double_edge(2)], tg.stmt_adj_eq_parent, 0).max_deviation == 1
    cyclic = [g for g in tg.connected_graphs(6, 30) if not sp.is_tree(g)]
    result = tg.discrete_check(cyclic, tg.stmt_adj_eq_parent, 6)
    assert result.max_deviation == 1 and "not a parent edge" in result.worst_case


def test_distance_zero_needs_connectedness():
    graphs = [g for g in tg.any_graphs(2, 60) if not sp.connected(g)]
    assert tg.discrete_check(graphs, tg.stmt_eq_of_bfs_dist_eq_zero, 2).max_deviation == 1


def test_disjoint_subtree_needs_equal_distance():
    def wrong(ro):  # distinct nodes only, distances ignored
        return tg.first_failure((c1 == c2 or not (ro.subtree(c1) & ro.subtree(c2)), "meet")
                         for c1 in ro.nodes for c2 in ro.nodes)
    assert tg.discrete_check(tg.tree_graphs(1, 10), wrong, 1).max_deviation == 1


def test_wrong_subtree_decomposition_is_caught():
    # Dropping the children's subtrees (subtree w = {w}) fails on any tree with an edge.
    def wrong(ro):
        return tg.first_failure((ro.subtree(w) == {w}, "bigger") for w in ro.nodes)
    assert tg.discrete_check(tg.tree_graphs(1, 6), wrong, 1).max_deviation == 1


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(1, 6))
def test_random_flat_trees_are_trees_and_subtrees_partition(seed, n):
    rng = random.Random(seed)
    g = tg.random_flat_tree(rng, n=n, positive=True)  # tbn.graph refuses all-zero tables
    assert sp.is_tree(g) and to_factor_graph(g).is_tree()
    assert all(1 <= len(s) <= 4 for s, _ in g.factors)
    for r in sp._nodes(g):
        ro = tg.Rooting(g, r, rng)
        kids = [c for c in ro.nodes if c != r and ro.par[c] == r]
        parts = [ro.subtree(c) for c in kids]
        assert sum(len(p) for p in parts) + 1 == len(ro.nodes)
        assert set().union(*parts) | {r} == set(ro.nodes)
