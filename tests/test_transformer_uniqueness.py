"""Identifiability of the update, routing, and the Q/K symmetries (SPEC 3.6)."""
import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import ModelError
from tbn.transformer import (FFN, Head, Layer, encode_oplus_state, explicit_oplus_layer,
                             layer_forward)
from tbn.transformer.softmax import softmax_layer
from tbn.transformer.uniqueness import (identify_update, oplus_distance, probe_attention,
                                        rescale_qk, rotate_qk)

prob = st.fractions(Fraction(1, 20), Fraction(19, 20))


def posterior_data(prior, like1, like2):
    """Exact posteriors of H given two conditionally independent binary evidences (enumeration).

    ``like_i[h]`` = P(E_i = 1 | H = h).  Returns {(e1, e2): (logit P(H|e1), logit P(H|e2),
    P(H | e1, e2))} with the single-evidence posteriors also by enumeration.
    """
    def joint(h, e1, e2):
        ph = prior if h else 1 - prior
        p1 = like1[h] if e1 else 1 - like1[h]
        p2 = like2[h] if e2 else 1 - like2[h]
        return ph * p1 * p2

    def post(event):
        num = sum(joint(1, a, b) for a, b in itertools.product((0, 1), repeat=2) if event(a, b))
        den = sum(joint(h, a, b) for h in (0, 1)
                  for a, b in itertools.product((0, 1), repeat=2) if event(a, b))
        return num / den

    lg = lambda p: mpmath.log(mpmath.mpf(p.numerator) / p.denominator) - mpmath.log(
        mpmath.mpf((1 - p).numerator) / (1 - p).denominator)
    data = {}
    for e1, e2 in itertools.product((0, 1), repeat=2):
        data[(e1, e2)] = (lg(post(lambda a, b: a == e1)), lg(post(lambda a, b: b == e2)),
                          post(lambda a, b: (a, b) == (e1, e2)))
    return data


@settings(max_examples=30, deadline=None)
@given(st.tuples(prob, prob), st.tuples(prob, prob))
def test_exact_posterior_data_identify_the_oplus_update(like1, like2):
    if like1[0] == like1[1] or like2[0] == like2[1]:
        return  # uninformative evidence: the points collapse, nothing to identify
    with mpmath.workdps(60):
        data = posterior_data(Fraction(1, 2), like1, like2)
        w0, w1, b = identify_update([data[(0, 0)], data[(0, 1)], data[(1, 0)]], dps=60)
        assert oplus_distance(w0, w1, b) < mpmath.mpf(10) ** -45
        # the fourth combination is then predicted exactly
        x, y, p = data[(1, 1)]
        assert abs(1 / (1 + mpmath.exp(-(x + y))) - mpmath.mpf(p.numerator) / p.denominator) \
            < mpmath.mpf(10) ** -45


def test_non_uniform_prior_gives_the_turing_good_bias_not_oplus():
    prior = Fraction(1, 5)
    with mpmath.workdps(60):
        data = posterior_data(prior, (Fraction(1, 4), Fraction(2, 3)), (Fraction(1, 2), Fraction(1, 10)))
        w0, w1, b = identify_update([data[(0, 0)], data[(0, 1)], data[(1, 0)]], dps=60)
        logit_prior = mpmath.log(mpmath.mpf(1) / 4)
        assert abs(w0 - 1) + abs(w1 - 1) + abs(b + logit_prior) < mpmath.mpf(10) ** -45
        assert abs(oplus_distance(w0, w1, b) - abs(logit_prior)) < mpmath.mpf(10) ** -45


def test_collinear_points_do_not_identify():
    with pytest.raises(ModelError, match="affinely dependent"):
        identify_update([(0, 0, Fraction(1, 2)), (1, 1, Fraction(2, 3)), (2, 2, Fraction(3, 4))])
    with pytest.raises(ModelError):
        identify_update([(0, 0, 1), (1, 0, Fraction(1, 2)), (0, 1, Fraction(1, 2))])


def test_exact_routing_puts_all_weight_on_the_neighbour_and_softmax_does_not():
    nb0, nb1 = [2, 0, 1, 3], [1, 1, 3, 0]
    hard = explicit_oplus_layer(2)
    X = encode_oplus_state(nb0, nb1, [0.0] * 4, 2)
    for h, nb in enumerate((nb0, nb1)):
        alpha = probe_attention(hard, X, h)
        assert alpha == [[1 if k == nb[j] else 0 for k in range(4)] for j in range(4)]
    alpha = probe_attention(softmax_layer(hard, 3.0), X, 0)
    assert all(0 < alpha[j][nb0[j]] < 1 for j in range(4))  # never exact at finite temperature


small = st.integers(-6, 6).map(lambda k: Fraction(k, 3))


@settings(max_examples=20, deadline=None)
@given(st.data(), st.sampled_from(["hard", "softmax"]))
def test_query_key_symmetries_keep_the_layer_but_change_the_weights(data, attention):
    n, D = data.draw(st.integers(2, 4)), data.draw(st.integers(2, 4))
    mat = lambda r, c: np.array([[data.draw(small) for _ in range(c)] for _ in range(r)],
                                dtype=object)
    heads = [Head(mat(2, D), mat(2, D), mat(D, D)) for _ in range(2)]
    layer = Layer(heads, FFN(mat(3, D), [0, 1, 2], mat(D, 3), [0] * D, "sigmoid"), attention,
                  2 if attention == "softmax" else None)
    X = mat(n, D)
    if attention == "hard":
        # hard attention jumps at ties, so the transformed scores must round exactly like the
        # originals: a power-of-two scale and a quarter turn change no bits
        c, R = 2, [[0, -1], [1, 0]]
    else:
        c, R = Fraction(5, 2), [[Fraction(3, 5), Fraction(-4, 5)], [Fraction(4, 5), Fraction(3, 5)]]
    with mpmath.workdps(50):
        base = layer_forward(layer, X, backend="mpmath")
        for other in (rescale_qk(layer, c), rotate_qk(layer, R)):
            out = layer_forward(other, X, backend="mpmath")
            assert max(abs(a - b) for a, b in zip(base.flat, out.flat)) < mpmath.mpf(10) ** -45
    if any(np.any(h.query != 0) for h in heads):
        assert any(np.any(a.query != b.query) for a, b in zip(heads, rescale_qk(layer, 2).heads))
    with pytest.raises(ModelError, match="orthogonal"):
        rotate_qk(layer, [[1, 1], [0, 1]])


def test_distance_of_a_layer_from_the_oplus_update():
    from tbn.transformer.uniqueness import layer_oplus_distance
    layer = explicit_oplus_layer(2)
    X = encode_oplus_state([1, 2, 0], [2, 2, 1], [0.5, -1.0, 2.0], 2)
    assert layer_oplus_distance(layer, X) == 0
    # scale the FFN's read of head 1 by 3/2 and add a bias of 1/2: distance sqrt(1/4 + 1/4)
    w1 = np.array(layer.ffn.w1, dtype=object)
    w1[0, 2] = Fraction(3, 2)
    b1 = np.zeros(9, dtype=object)
    b1[0] = Fraction(1, 2)
    other = Layer(layer.heads, FFN(w1, b1, layer.ffn.w2, layer.ffn.b2, "linear"))
    with mpmath.workdps(50):
        assert abs(layer_oplus_distance(other, X) - mpmath.sqrt(mpmath.mpf(1) / 2)) \
            < mpmath.mpf(10) ** -45
