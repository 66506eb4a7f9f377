"""Exact-posterior generators and metrics of tbn.experiments, against brute-force enumeration."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.experiments import metrics, wind_tasks as wt


def brute_bijection_posterior(tokens, V):
    """Enumerate all V! permutations; keep those consistent with the revealed pairs so far."""
    L = (len(tokens) + 1) // 2
    post = np.zeros((L, V))
    for t in range(L):
        pairs = [(tokens[2 * i], tokens[2 * i + 1] - V) for i in range(t)]
        key = tokens[2 * t]
        counts = np.zeros(V)
        for perm in itertools.permutations(range(V)):
            if all(perm[k] == v for k, v in pairs):
                counts[perm[key]] += 1
        post[t] = counts / counts.sum()
    return post


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 5), st.data())
def test_bijection_posterior_equals_enumeration_even_with_repeated_keys(V, data):
    perm = data.draw(st.permutations(range(V)))
    L = data.draw(st.integers(1, V + 2))
    keys = data.draw(st.lists(st.integers(0, V - 1), min_size=L, max_size=L))
    tokens = []
    for i, k in enumerate(keys):
        tokens.append(k)
        if i < L - 1:
            tokens.append(V + perm[k])
    got = wt.bijection_posteriors(np.array([tokens]), V)[0]
    np.testing.assert_allclose(got, brute_bijection_posterior(tokens, V), atol=1e-12)


def test_generated_sequences_are_bijections_with_closed_form_entropy():
    rng = np.random.default_rng(3)
    tokens, perms = wt.bijection_sequences(rng, 50, V=20)
    assert tokens.shape == (50, 37)
    for s in range(50):
        keys = tokens[s, 0::2]
        assert len(set(keys.tolist())) == 19
        assert np.all(tokens[s, 1::2] == 20 + perms[s][keys[:-1]])
        assert sorted(perms[s].tolist()) == list(range(20))
    h = metrics.entropy_bits(wt.bijection_posteriors(tokens, 20))
    np.testing.assert_allclose(h, np.broadcast_to(wt.bijection_entropy_bits(20), h.shape), atol=1e-12)
    assert wt.bijection_entropy_bits(20)[0] == pytest.approx(math.log2(20))
    assert wt.bijection_entropy_bits(20)[-1] == pytest.approx(1.0)


def test_mlp_floor_is_the_published_1_107_bits():
    # Agarwal et al.: per-position MLP entropy error 1.107 = log2 20 - log2(20!)/19.
    floor = wt.bijection_mlp_floor_bits(20)
    assert floor == pytest.approx(math.log2(20) - math.log2(math.factorial(20)) / 19, abs=1e-12)
    assert round(floor, 3) == 1.107
    # and it is what a uniform-over-V predictor scores against the exact posteriors
    rng = np.random.default_rng(0)
    tokens, _ = wt.bijection_sequences(rng, 20, V=20)
    bayes = wt.bijection_posteriors(tokens, 20)
    uniform = np.full_like(bayes, 1 / 20)
    err = metrics.entropy_errors(bayes, uniform)
    assert err["entropy_error_per_sequence_bits"] == pytest.approx(floor, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 6))
def test_grid_dirichlet_rows_are_floored_stochastic_on_the_grid(seed, rows, cols):
    units = wt.grid_dirichlet_rows(np.random.default_rng(seed), rows, cols)
    assert units.dtype.kind == "i"
    assert np.all(units.sum(axis=1) == 100)
    assert units.min() >= 5


def brute_filter(trans, emit, obs):
    """Sum the joint over every hidden path, for each prefix."""
    S = trans.shape[0]
    out = []
    for t in range(1, len(obs) + 1):
        post = np.zeros(S)
        for path in itertools.product(range(S), repeat=t):
            p = 1.0 / S
            for i, s in enumerate(path):
                if i:
                    p *= trans[path[i - 1], s]
                p *= emit[s, obs[i]]
            post[path[-1]] += p
        out.append(post / post.sum())
    return np.array(out)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.integers(1, 5))
def test_forward_filter_equals_path_enumeration(seed, S, length):
    rng = np.random.default_rng(seed)
    trans = wt.grid_dirichlet_rows(rng, S, S) / 100
    emit = wt.grid_dirichlet_rows(rng, S, 3) / 100
    _, obs = wt.hmm_sample(rng, trans, emit, length)
    np.testing.assert_allclose(wt.forward_filter(trans, emit, obs), brute_filter(trans, emit, obs),
                               atol=1e-12)


def test_bernoulli_kl_closed_form_and_clipping():
    assert metrics.bernoulli_kl(0.5, 0.5) == pytest.approx(0.0, abs=1e-15)
    expected = 0.3 * math.log(0.3 / 0.6) + 0.7 * math.log(0.7 / 0.4)
    assert metrics.bernoulli_kl(0.3, 0.6) == pytest.approx(expected, rel=1e-12)
    # q = 0 is clipped to 1e-10, so the divergence is large but finite
    eps = 1e-10
    clipped = 0.5 * math.log(0.5 / eps) + 0.5 * math.log(0.5 / (1 - eps))
    assert metrics.bernoulli_kl(0.5, 0.0) == pytest.approx(clipped, rel=1e-9)


def test_entropy_errors_two_averages_differ_when_errors_cancel():
    bayes = np.array([[[0.5, 0.5]], [[0.5, 0.5]]])
    model = np.array([[[1.0, 0.0]], [[0.5, 0.5]]])      # H = 0 and 1: errors 1 and 0
    e = metrics.entropy_errors(bayes, model)
    assert e["entropy_error_per_sequence_bits"] == pytest.approx(0.5)
    assert e["entropy_error_per_position_bits"] == pytest.approx(0.5)
    model2 = np.array([[[1.0, 0.0]], [[0.5, 0.5]]])
    bayes2 = np.array([[[0.5, 0.5]], [[1.0, 0.0]]])     # errors +1 and -1 cancel per position
    e2 = metrics.entropy_errors(bayes2, model2)
    assert e2["entropy_error_per_sequence_bits"] == pytest.approx(1.0)
    assert e2["entropy_error_per_position_bits"] == pytest.approx(0.0)
    assert math.isinf(e2["kl_bits"])                     # Bayes puts mass where the model has none


def test_kl_bits_known_value():
    assert metrics.kl_bits([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.5 * math.log2(2) + 0.5 * math.log2(0.5 / 0.75))
