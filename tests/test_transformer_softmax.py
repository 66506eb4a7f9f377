"""Softmax attention at finite temperature against the computed bounds (SPEC 3.4)."""
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import ModelError
from tbn.transformer import (FFN, Head, Layer, encode_oplus_state, explicit_oplus_layer,
                             layer_forward, model_forward)
from tbn.transformer.softmax import (min_inverse_temperature, oplus_error_bound, softmax_layer,
                                     top_weight_epsilon)


def weight_probe(scores, lam):
    """Softmax weights of token 0's row, read through the model: V copies an indicator dim."""
    n = len(scores)
    # dims: 0 score carrier, 1 query constant, 2 output scratch, 3.. indicator of token k
    D = 3 + n
    X = np.zeros((n, D), dtype=object)
    for k, s in enumerate(scores):
        X[k, 0], X[k, 1] = s, 1
        X[k, 3 + k] = 1
    q = np.zeros((1, D), dtype=int); q[0, 1] = 1
    k_ = np.zeros((1, D), dtype=int); k_[0, 0] = 1
    out = []
    for target in range(n):
        v = np.zeros((D, D), dtype=int); v[2, 3 + target] = 1
        layer = Layer((Head(q, k_, v),), FFN(np.zeros((1, D)), [0], np.zeros((D, 1)),
                                             np.zeros(D)), "softmax", lam)
        out.append(layer_forward(layer, X, backend="mpmath", dps=50)[0, 2])
    return out


@pytest.mark.parametrize("n,gap,eps", [(2, 1, 0.1), (5, 2, 1e-3), (9, 0.5, 1e-6)])
def test_lambda_bound_is_attained_when_all_others_sit_at_the_gap(n, gap, eps):
    with mpmath.workdps(50):
        eps_, gap_ = mpmath.mpf(eps), mpmath.mpf(gap)
        lam = min_inverse_temperature(n, gap_, eps_)
        w = weight_probe([gap_] + [mpmath.mpf(0)] * (n - 1), lam)
        assert abs(w[0] - (1 - eps_)) < mpmath.mpf(10) ** -40
        assert abs(top_weight_epsilon(n, gap_, lam) - eps_) < mpmath.mpf(10) ** -40
        # a colder-than-needed temperature falls short: the bound is not vacuous
        assert weight_probe([gap_] + [mpmath.mpf(0)] * (n - 1), lam / 2)[0] < 1 - eps_
        # larger gaps only help
        w = weight_probe([gap_ + 1] + [mpmath.mpf(-k) for k in range(n - 1)], lam)
        assert w[0] >= 1 - eps_


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 8), st.integers(1, 3), st.sampled_from([1e-2, 1e-4, 1e-8]), st.data())
def test_softmax_oplus_stays_within_the_computed_bound(n, T, eps, data):
    nb0 = data.draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))
    nb1 = data.draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))
    logits = data.draw(st.lists(st.floats(-4, 4), min_size=n, max_size=n))
    B = max(1, (n - 1).bit_length())
    hard = explicit_oplus_layer(B)
    lam = min_inverse_temperature(n, 2, eps)  # binary codes: gap 2
    soft = softmax_layer(hard, lam)
    X = encode_oplus_state(nb0, nb1, logits, B)
    err = np.max(np.abs(model_forward([soft] * T, X)[:, 0] - model_forward([hard] * T, X)[:, 0]))
    m0 = max(abs(x) for x in logits)
    assert err <= oplus_error_bound(eps, m0, T) + 1e-12
    # the top weight of every row meets 1 - eps: probe it through head 0's scratch, before the
    # FFN clears it (same heads, zero FFN)
    D = 3 + 3 * B
    probe = Layer(soft.heads, FFN(np.zeros((1, D)), [0], np.zeros((D, 1)), np.zeros(D)),
                  "softmax", lam)
    Y = layer_forward(probe, encode_oplus_state(nb0, nb1, [float(j == 0) for j in range(n)], B))
    for j in range(n):
        got = Y[j, 1]  # weight on token 0 gathered by head 0 of token j
        assert (got >= 1 - eps - 1e-12) if nb0[j] == 0 else (got <= eps + 1e-12)


def test_bad_parameters():
    with pytest.raises(ModelError):
        min_inverse_temperature(1, 1, 0.1)
    with pytest.raises(ModelError):
        min_inverse_temperature(3, 0, 0.1)
    with pytest.raises(ModelError):
        min_inverse_temperature(3, 1, 1.5)
    with pytest.raises(ModelError, match="inverse temperature"):
        softmax_layer(explicit_oplus_layer(1), -1.0)
    assert math.isclose(min_inverse_temperature(3, 2, 0.5), math.log(2) / 2)


def test_bounds_refuse_inputs_that_would_void_the_guarantee():
    # Found by an independent re-derivation: with lam < 0 the softmax favours the LOWEST score,
    # so no top-weight guarantee exists (n=2, gap 1, lam=-2 would promise 0.119, truth 0.018).
    with pytest.raises(ModelError):
        top_weight_epsilon(2, 1.0, -2.0)
    with pytest.raises(ModelError):
        oplus_error_bound(-0.5, 3.0, 2)
