"""G(W, x) of random and constructed weights reproduces the layer at 50 digits (SPEC 3.5)."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import ModelError
from tbn.transformer import FFN, Head, Layer, encode_oplus_state, explicit_oplus_layer
from tbn.transformer.implicit import decoded_beliefs, implicit_graph, weighted_bp_round

small = st.integers(-12, 12).map(lambda k: Fraction(k, 4))


def matrix(draw, rows, cols):
    return np.array([[draw(small) for _ in range(cols)] for _ in range(rows)], dtype=object)


@st.composite
def layers_and_inputs(draw):
    n, D, H = draw(st.integers(1, 5)), draw(st.integers(2, 5)), draw(st.integers(1, 3))
    heads = []
    for _ in range(H):
        value = np.zeros((D, D), dtype=object)
        value[:, 0] = [draw(small) for _ in range(D)]  # reads log-odds only: the class
        heads.append(Head(matrix(draw, 2, D), matrix(draw, 2, D), value))
    hidden = draw(st.integers(1, 4))
    activation = draw(st.sampled_from(["linear", "sigmoid"]))
    ffn = FFN(matrix(draw, hidden, D), [draw(small) for _ in range(hidden)],
              matrix(draw, D, hidden), [draw(small) for _ in range(D)], activation)
    softmax = draw(st.booleans())
    layer = Layer(heads, ffn, "softmax" if softmax else "hard",
                  draw(st.sampled_from([Fraction(1, 3), 2, 7])) if softmax else None)
    X = matrix(draw, n, D)
    if n > 1 and draw(st.booleans()):
        X[n - 1] = X[0]  # identical tokens: ties in hard attention share the weight
    unit = None if activation == "linear" else draw(st.integers(0, hidden - 1))
    return layer, X, unit


@settings(max_examples=40, deadline=None)
@given(layers_and_inputs())
def test_random_layer_is_one_round_of_weighted_bp_on_its_implicit_graph(case):
    layer, X, unit = case
    G = implicit_graph(layer, X, unit, dps=60)
    with mpmath.workdps(60):
        bp = weighted_bp_round(G, [mpmath.mpf(x.numerator) / x.denominator for x in X[:, 0]])
        got = decoded_beliefs(layer, X, unit, dps=60)
        assert max(abs(a - b) for a, b in zip(bp, got)) < mpmath.mpf(10) ** -50
        for A in G.edges:  # edges are convex combinations
            for row in A:
                assert abs(mpmath.fsum(row) - 1) < mpmath.mpf(10) ** -55 and min(row) >= 0


def test_explicit_layer_has_the_oplus_graph_and_edges_depend_on_the_input():
    layer = explicit_oplus_layer(2)
    X = encode_oplus_state([1, 2, 0], [2, 2, 1], [0.5, -1.0, 2.0], 2)
    G = implicit_graph(layer, X)
    assert G.head_weights == (1, 1) and all(c == 0 for c in G.bias)
    assert [[list(r).index(1) for r in A] for A in G.edges] == [[1, 2, 0], [2, 2, 1]]
    # same weights, another input: another graph
    G2 = implicit_graph(layer, encode_oplus_state([0, 0, 0], [1, 1, 1], [0.5, -1.0, 2.0], 2))
    assert [[list(r).index(1) for r in A] for A in G2.edges] == [[0, 0, 0], [1, 1, 1]]


def test_layers_outside_the_class_are_refused():
    D = 3
    head = Head(np.eye(D), np.eye(D), np.eye(D))  # value reads every dim
    layer = Layer((head,), FFN(np.eye(D), np.zeros(D), np.eye(D), np.zeros(D)))
    with pytest.raises(ModelError, match="dims other than 0"):
        implicit_graph(layer, np.zeros((2, D)))
    ok = Layer((Head(np.eye(D), np.eye(D), np.zeros((D, D))),),
               FFN(np.eye(D), np.zeros(D), np.eye(D), np.zeros(D), "sigmoid"))
    with pytest.raises(ModelError, match="linear FFN"):
        implicit_graph(ok, np.zeros((2, D)))
    with pytest.raises(ModelError, match="out of range"):
        implicit_graph(ok, np.zeros((2, D)), unit=5)
