"""Attention-routed sum-product (positive tables) against exact marginals and the BP engine."""
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.bp import belief_propagation
from tbn.errors import ModelError
from tbn.exact import marginals
from tbn.graph import FactorGraph
from tbn.transformer import model_forward
from tbn.transformer.routed import RoutedShape, encode_routed, routed_layers, routed_marginals

positive = st.integers(1, 12).map(lambda k: k / 4)


@st.composite
def graphs(draw, tree, max_vars=6):
    cards = [draw(st.integers(2, 3))]
    factors = []
    for _ in range(draw(st.integers(1, max_vars - 1))):
        anchor = draw(st.integers(0, len(cards) - 1))
        new = draw(st.integers(0, 2))
        scope = [anchor] + list(range(len(cards), len(cards) + new))
        cards += [draw(st.integers(2, 3)) for _ in range(new)]
        factors.append(scope)
    if not tree:
        for _ in range(draw(st.integers(1, 2))):
            a, b = draw(st.integers(0, len(cards) - 1)), draw(st.integers(0, len(cards) - 1))
            factors.append([a] if a == b else [a, b])
    built = [([f"v{i}" for i in s], np.array(draw(st.lists(
        positive, min_size=int(np.prod([cards[i] for i in s])),
        max_size=int(np.prod([cards[i] for i in s]))))).reshape([cards[i] for i in s]))
        for s in factors]
    fg = FactorGraph.build({f"v{i}": c for i, c in enumerate(cards)}, built)
    observed = draw(st.lists(st.integers(0, len(cards) - 1), max_size=2, unique=True))
    return fg, {f"v{i}": draw(st.integers(0, cards[i] - 1)) for i in observed}


@settings(max_examples=25, deadline=None)
@given(graphs(tree=True))
def test_trees_equal_exact_marginals(case):
    fg, ev = case
    got = routed_marginals(fg, ev, rounds=len(fg.variables) + 1)
    want = marginals(fg, ev, arithmetic="fraction")
    assert max(abs(float(w) - g) for k in want for w, g in zip(want[k], got[k])) < 1e-12


@settings(max_examples=25, deadline=None)
@given(graphs(tree=False), st.integers(1, 5))
def test_loopy_equals_bp_round_for_round(case, T):
    fg, ev = case
    got = routed_marginals(fg, ev, rounds=T)
    ref = belief_propagation(fg, ev, max_iter=T, tol=0).marginals
    assert max(abs(a - b) for k in ref for a, b in zip(ref[k], got[k])) < 1e-12


def test_50_digits_on_a_tree_with_evidence():
    fg = FactorGraph.build({"a": 2, "b": 3, "c": 2},
                           [(("a", "b"), [[1, 2, 3], [0.5, 0.25, 2]]),
                            (("b", "c"), [[1, 3], [2, 1], [0.75, 0.5]]), (("a",), [3, 1])])
    got = routed_marginals(fg, {"c": 1}, rounds=3, dps=50)
    want = marginals(fg, {"c": 1}, arithmetic="fraction")
    with mpmath.workdps(50):
        err = max(abs(g - mpmath.mpf(w.numerator) / w.denominator)
                  for k in want for g, w in zip(got[k], want[k]))
    assert err < mpmath.mpf(10) ** -40


def test_one_block_serves_every_graph_that_fits():
    shape = RoutedShape(H=3, A=3, C=3, B=5)
    block = routed_layers(shape)  # built before any graph is seen
    rng = np.random.default_rng(3)
    for domains, scopes in (({"a": 2, "b": 3}, [("a", "b"), ("b",)]),
                            ({"a": 3, "b": 2, "c": 2}, [("a", "b", "c"), ("c", "a"), ("b",)])):
        fg = FactorGraph.build(domains, [(s, rng.uniform(0.2, 2, [domains[v] for v in s]))
                                         for s in scopes])
        X, _, var_token = encode_routed(fg, shape=shape)
        Y = model_forward(block * 4 + block[:1], X)
        ref = belief_propagation(fg, max_iter=4, tol=0).marginals
        S = shape.dims()["S"]
        for v, tok in var_token.items():
            logs = Y[tok, S:S + domains[v]]
            p = np.exp(logs - logs.max())
            assert np.allclose(p / p.sum(), ref[v], atol=1e-12, rtol=0)
    assert all(len(layer.heads) in (0, 3, 4) for layer in block)


def test_inputs_outside_the_class_are_refused():
    with pytest.raises(ModelError, match="zero entry"):
        encode_routed(FactorGraph.build({"a": 2, "b": 2}, [(("a", "b"), [[1, 0], [1, 1]])]))
    fg = FactorGraph.build({"a": 3, "b": 2}, [(("a", "b"), np.ones((3, 2)))])
    with pytest.raises(ModelError, match="needs at least"):
        encode_routed(fg, shape=RoutedShape(H=1, A=2, C=2, B=3))
    with pytest.raises(ModelError, match="rounds"):
        routed_marginals(fg, rounds=0)
