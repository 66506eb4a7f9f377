"""tbn.experiments.loopy: graph generators, the comparison, and the paper's published Table 4."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.experiments import loopy


def brute_marginals(fg):
    """P(x = 1) of every variable by summing the joint over all 2^n states."""
    n = len(fg.variables)
    idx = {v: i for i, v in enumerate(fg.names)}
    p1, z = np.zeros(n), 0.0
    for x in itertools.product((0, 1), repeat=n):
        w = 1.0
        for f in fg.factors:
            w *= f.table[tuple(x[idx[v]] for v in f.variables)]
        z += w
        p1 += w * np.array(x)
    return p1 / z


@pytest.mark.parametrize("name", ["triangle", "square", "two_loops"])
def test_table4_averages_equal_the_published_digits(name):
    # Coppola, Table 4: 100 seeds, numpy default_rng(seed); KL to 6 decimals, MAE to 6 decimals.
    trials = [loopy.compare(loopy.paper_graph(name, np.random.default_rng(s))) for s in range(100)]
    assert all(t["converged"] for t in trials)
    kl, mae = loopy.PAPER_TABLE4[name]
    assert round(np.mean([t["kl"] for t in trials]), 6) == kl
    assert round(np.mean([t["mae"] for t in trials]), 6) == mae


@pytest.mark.parametrize("name", ["dating", "qbbn_chain"])
def test_table4_other_graphs_agree_in_magnitude(name):
    trials = [loopy.compare(loopy.paper_graph(name, np.random.default_rng(s))) for s in range(100)]
    assert all(t["converged"] for t in trials)       # the paper: all 500 runs converged
    kl, mae = loopy.PAPER_TABLE4[name]
    assert 0.5 * mae < np.mean([t["mae"] for t in trials]) < 1.5 * mae


def test_paper_graph_tables_follow_the_published_ranges():
    rng = np.random.default_rng(0)
    dating = loopy.paper_graph("dating", rng)
    for f in dating.factors:
        t = f.table
        if f.variables in (("x2", "x4"), ("x3", "x4")):
            assert np.all((0.7 <= np.diag(t)) & (np.diag(t) <= 1.0))
            assert 0.1 <= t[0, 1] <= 0.3 and 0.1 <= t[1, 0] <= 0.3
        else:
            assert np.all((0.1 <= t) & (t <= 1.0))
    for f in loopy.paper_graph("qbbn_chain", rng).factors:
        assert np.all((0.05 <= f.table) & (f.table <= 5.0))


def test_compare_measures_the_error_against_enumeration():
    rng = np.random.default_rng(5)
    fg = loopy.ising_graph(loopy.grid_edges(3), 1.0, True, rng)
    out = loopy.compare(fg, max_iter=300)
    from tbn.bp import belief_propagation
    bp = belief_propagation(fg, schedule="flooding", tol=1e-6, max_iter=300)
    q = np.array([bp.marginals[v][1] for v in fg.names])
    assert out["mae"] == pytest.approx(np.mean(np.abs(brute_marginals(fg) - q)), abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 9))
def test_bp_on_a_random_tree_is_exact_in_the_comparison(seed, n):
    rng = np.random.default_rng(seed)
    edges = loopy.random_edges(n, 0.0, rng)          # degree 0: just the spanning tree
    assert len(edges) == n - 1
    fg = loopy.ising_graph(edges, 2.0, True, rng)
    assert fg.is_tree()                             # unary fields only add leaves
    out = loopy.compare(fg, tol=1e-12, max_iter=200)
    assert out["converged"] and out["mae"] < 1e-9


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 12), st.floats(2.0, 4.0))
def test_random_edges_connected_with_the_requested_degree(seed, n, degree):
    edges = loopy.random_edges(n, degree, np.random.default_rng(seed))
    assert len(set(edges)) == len(edges) and all(i < j for i, j in edges)
    assert len(edges) == max(n - 1, min(int(round(degree * n / 2)), n * (n - 1) // 2))
    reach, frontier = {0}, [0]
    while frontier:
        v = frontier.pop()
        for i, j in edges:
            for a, b in ((i, j), (j, i)):
                if a == v and b not in reach:
                    reach.add(b)
                    frontier.append(b)
    assert reach == set(range(n))


def test_grid_edges_and_ising_tables():
    assert len(loopy.grid_edges(4)) == 2 * 4 * 3
    fg = loopy.ising_graph(loopy.grid_edges(2), 1.5, False, np.random.default_rng(0))
    pair = [f for f in fg.factors if len(f.variables) == 2][0].table
    np.testing.assert_allclose(pair, [[np.exp(1.5), np.exp(-1.5)], [np.exp(-1.5), np.exp(1.5)]])
