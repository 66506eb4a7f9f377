"""Binary pairwise sum-product with attention routing and graph-free weights."""
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.bp import belief_propagation
from tbn.errors import ModelError
from tbn.exact import marginals
from tbn.graph import FactorGraph
from tbn.transformer import model_forward
from tbn.transformer.pairwise import (CAV, MSG, encode_pairwise, pairwise_layer,
                                      pairwise_marginals)

positive = st.integers(1, 12).map(lambda k: k / 4)


@st.composite
def pairwise_graphs(draw, tree):
    n = draw(st.integers(2, 6))
    edges = [(draw(st.integers(0, i - 1)), i) for i in range(1, n)]  # a random tree
    if not tree:
        edges += [(a, b) for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1),
                                                             st.integers(0, n - 1)), max_size=3))
                  if a != b]
    factors = [((f"v{a}", f"v{b}"), [[draw(positive) for _ in range(2)] for _ in range(2)])
               for a, b in edges]
    factors += [((f"v{i}",), [draw(positive), draw(positive)])
                for i in draw(st.lists(st.integers(0, n - 1), max_size=3))]
    fg = FactorGraph.build({f"v{i}": 2 for i in range(n)}, factors)
    observed = draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True))
    return fg, {f"v{i}": draw(st.integers(0, 1)) for i in observed}


@settings(max_examples=30, deadline=None)
@given(pairwise_graphs(tree=False), st.integers(1, 6))
def test_equals_bp_round_for_round(case, T):
    fg, ev = case
    got = pairwise_marginals(fg, ev, rounds=T)
    ref = belief_propagation(fg, ev, max_iter=T, tol=0).marginals
    assert max(abs(a - b) for k in ref for a, b in zip(ref[k], got[k])) < 1e-12


@settings(max_examples=15, deadline=None)
@given(pairwise_graphs(tree=True))
def test_trees_equal_exact_marginals_at_50_digits(case):
    fg, ev = case
    T = len(fg.variables) + 1
    got = pairwise_marginals(fg, ev, rounds=T, dps=50)
    want = marginals(fg, ev, arithmetic="fraction")
    with mpmath.workdps(50):
        err = max(abs(g - mpmath.mpf(w.numerator) / w.denominator)
                  for k in want for g, w in zip(got[k], want[k]))
    assert err < mpmath.mpf(10) ** -40


def test_one_set_of_weights_serves_every_graph_that_fits():
    layer = pairwise_layer(3, 4)  # built before any graph is seen
    rng = np.random.default_rng(0)
    for shape in ([("a", "b"), ("b", "c")], [("a", "b"), ("b", "c"), ("c", "a")]):
        fg = FactorGraph.build({"a": 2, "b": 2, "c": 2},
                               [(s, rng.uniform(0.2, 2, (2, 2))) for s in shape])
        X, info = encode_pairwise(fg, heads=3, width=4)
        Y = model_forward([layer] * 5, X)
        ref = belief_propagation(fg, max_iter=4, tol=0).marginals
        for v, tok in info["var_token"].items():
            assert abs(1 / (1 + np.exp(-Y[tok, CAV])) - ref[v][1]) < 1e-12


def test_an_edge_token_computes_the_spec_softplus_pair():
    f = [[2, 5], [3, 7]]  # f[a][b] = f(x_i = a, x_j = b); prior on i has log-odds log 4
    fg = FactorGraph.build({"i": 2, "j": 2}, [(("i",), [1, 4]), (("i", "j"), f)])
    X, info = encode_pairwise(fg, dps=50)
    Y = model_forward([pairwise_layer(info["heads"], info["width"])] * 2, X, "mpmath", 50)
    edge = max(info["var_token"].values()) + 2  # tokens: null, i, j, prior, i->j, j->i
    with mpmath.workdps(50):
        sp, L, l = (lambda z: mpmath.log1p(mpmath.exp(z))), mpmath.log, mpmath.log(4)
        want = L(mpmath.mpf(5) / 2) + sp(l + L(mpmath.mpf(7) / 5)) - sp(l + L(mpmath.mpf(3) / 2))
        assert abs(Y[edge, MSG] - want) < mpmath.mpf(10) ** -45


def test_inputs_outside_the_class_are_refused():
    with pytest.raises(ModelError, match="zero entry"):
        encode_pairwise(FactorGraph.build({"a": 2, "b": 2}, [(("a", "b"), [[1, 0], [1, 1]])]))
    with pytest.raises(ModelError, match="arity 3"):
        encode_pairwise(FactorGraph.build({"a": 2, "b": 2, "c": 2},
                                          [(("a", "b", "c"), np.ones((2, 2, 2)))]))
    with pytest.raises(ModelError, match="not binary"):
        encode_pairwise(FactorGraph.build({"a": 3}, [(("a",), [1, 1, 1])]))
    with pytest.raises(ModelError, match="heads"):
        encode_pairwise(FactorGraph.build({"a": 2, "b": 2, "c": 2},
                                          [(("a", "b"), np.ones((2, 2))),
                                           (("c", "b"), np.ones((2, 2)))]), heads=1)
