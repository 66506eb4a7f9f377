"""The explicit oplus-BP construction against its definition and against oplus-BP itself."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from tbn.algebra import mp_oplus
from tbn.errors import ModelError
from tbn.transformer import (FFN, Head, Layer, binary_code, cross_project, decode_oplus_state,
                             encode_oplus_state, explicit_oplus_layer, explicit_oplus_matrix,
                             layer_forward, model_forward, one_hot_code, project_dim)


def test_families_match_their_index_definition():
    for D, i, j in [(5, 0, 3), (9, 2, 0), (4, 3, 3)]:
        ref = np.zeros((D, D), dtype=int)
        ref[j, i] = 1
        assert project_dim(D, i, j) == ref.tolist()
    D, B, src, dst = 15, 4, 7, 3
    ref = np.zeros((D, D), dtype=int)
    for b in range(B):
        ref[dst + b, src + b] = 1
    assert cross_project(D, B, src, dst) == ref.tolist()
    # rows are output dims: project_dim reads dim i, writes dim j
    assert (np.array(project_dim(4, 1, 2)) @ np.array([0, 7, 0, 0])).tolist() == [0, 0, 7, 0]


@pytest.mark.parametrize("B", [1, 2, 3, 4])
def test_binary_codes_separate_by_two(B):
    for a in range(2 ** B):
        for b in range(2 ** B):
            dot = sum(x * y for x, y in zip(binary_code(a, B), binary_code(b, B)))
            assert dot == B if a == b else dot <= B - 2
    assert sum(one_hot_code(2, 5)) == 1 and one_hot_code(2, 5)[2] == 1


def test_matrices_follow_the_architecture_table():
    # width 2: D = 9, OWN = 3, NB0 = 5, NB1 = 7
    q0 = np.array(explicit_oplus_matrix(2, "query", 0))
    assert q0[3, 5] == q0[4, 6] == 1 and q0.sum() == 2
    q1 = np.array(explicit_oplus_matrix(2, "query", 1))
    assert q1[3, 7] == q1[4, 8] == 1 and q1.sum() == 2
    k = np.array(explicit_oplus_matrix(2, "key", 0))
    assert k[3, 3] == k[4, 4] == 1 and k.sum() == 2
    assert np.array(explicit_oplus_matrix(2, "value", 1))[2, 0] == 1
    w1 = np.array(explicit_oplus_matrix(2, "ffn_w1"))
    assert w1[0, 1] == w1[0, 2] == 1 and w1[0, 0] == w1[1, 1] == w1[2, 2] == -1
    assert np.abs(w1).sum() == 5
    assert (np.array(explicit_oplus_matrix(2, "ffn_w2")) == np.eye(9, dtype=int)).all()
    assert explicit_oplus_matrix(4, "key", 1, code="one_hot") == explicit_oplus_matrix(4, "key", 1)


@st.composite
def states(draw, code):
    n = draw(st.integers(1, 9))
    nb0 = draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))
    nb1 = draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))
    probs = draw(st.lists(st.fractions(Fraction(1, 1000), Fraction(999, 1000)),
                          min_size=n, max_size=n))
    width = (max(1, (n - 1).bit_length()) + draw(st.integers(0, 1))) if code == "binary" else n
    return nb0, nb1, probs, width


def _oplus_rounds(nb0, nb1, beliefs, T):
    """Reference oplus-BP, independent of the transformer: b_j <- b_nb0(j) (+) b_nb1(j)."""
    for _ in range(T):
        beliefs = [mp_oplus(beliefs[a], beliefs[b]) for a, b in zip(nb0, nb1)]
    return beliefs


@pytest.mark.parametrize("code", ["binary", "one_hot"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_layer_is_one_oplus_round_for_every_state_50_digits(code, data):
    nb0, nb1, probs, width = data.draw(states(code))
    T = data.draw(st.integers(1, 3))
    layer = explicit_oplus_layer(width, code)  # built before the state is known
    with mpmath.workdps(60):
        p = [mpmath.mpf(f.numerator) / f.denominator for f in probs]
        logits = [mpmath.log(x / (1 - x)) for x in p]
        X = encode_oplus_state(nb0, nb1, logits, width, code)
        Y = model_forward([layer] * T, X, backend="mpmath", dps=60)
        got = decode_oplus_state(Y, backend="mpmath")
        want = _oplus_rounds(nb0, nb1, p, T)
        assert max(abs(g - w) for g, w in zip(got, want)) < mpmath.mpf(10) ** -50
        # scratch cleared, codes untouched: the same weights iterate
        assert all(Y[j, 1] == 0 and Y[j, 2] == 0 for j in range(len(p)))
        assert (Y[:, 3:] == X[:, 3:]).all()


@settings(max_examples=15, deadline=None)
@given(states("binary"), st.integers(1, 4))
def test_layers_equal_the_bp_engines_oplus_model(state, T):
    from tbn.bp import oplus_bp
    nb0, nb1, probs, width = state
    layer = explicit_oplus_layer(width)
    with mpmath.workdps(60):
        p = [mpmath.mpf(f.numerator) / f.denominator for f in probs]
        X = encode_oplus_state(nb0, nb1, [mpmath.log(x / (1 - x)) for x in p], width)
        got = decode_oplus_state(model_forward([layer] * T, X, "mpmath", 60), "mpmath")
    want = oplus_bp(nb0, nb1, probs, T)  # exact Fractions
    with mpmath.workdps(60):
        err = max(abs(g - mpmath.mpf(w.numerator) / w.denominator) for g, w in zip(got, want))
    assert err < mpmath.mpf(10) ** -50


@settings(max_examples=25, deadline=None)
@given(states("binary"))
@example(([0], [0], [Fraction(1, 3)], 1))
def test_numpy_backend_agrees_with_mpmath(state):
    nb0, nb1, probs, width = state
    logits = [float(np.log(float(f) / (1 - float(f)))) for f in probs]
    X = encode_oplus_state(nb0, nb1, logits, width)
    Y = layer_forward(explicit_oplus_layer(width), X)
    want = [logits[a] + logits[b] for a, b in zip(nb0, nb1)]
    assert np.allclose(Y[:, 0], want, rtol=0, atol=1e-12)
    batch = np.stack([X, X])
    assert np.allclose(layer_forward(explicit_oplus_layer(width), batch)[1], Y)


def test_bad_input_is_a_model_error():
    with pytest.raises(ModelError, match="bits"):
        encode_oplus_state([0] * 5, [0] * 5, [0.0] * 5, 2)
    with pytest.raises(ModelError, match="finite"):
        encode_oplus_state([0], [0], [float("nan")], 1)
    with pytest.raises(ModelError, match="token index"):
        encode_oplus_state([0, 2], [0, 0], [0.0, 0.0], 1)
    with pytest.raises(ModelError, match=r"\(n, 9\)"):
        layer_forward(explicit_oplus_layer(2), np.zeros((3, 8)))
    with pytest.raises(ModelError, match="head"):
        explicit_oplus_matrix(2, "query")
    with pytest.raises(ModelError, match="NaN"):
        Head(np.full((2, 2), np.nan), np.eye(2), np.eye(2))
    with pytest.raises(ModelError, match="w2"):
        FFN(np.eye(3), np.zeros(3), np.eye(2), np.zeros(3))
    with pytest.raises(ModelError, match="width"):
        Layer((Head(np.eye(2), np.eye(2), np.eye(2)),), FFN(np.eye(3), np.zeros(3), np.eye(3),
                                                           np.zeros(3)))
