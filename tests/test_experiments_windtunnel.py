"""tbn.experiments.windtunnel: the constructions against closed forms and exact posteriors."""
import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from tbn.experiments import wind_tasks as wt, windtunnel as w


def test_bijection_construction_output_is_the_closed_form_at_40_digits():
    V, M = 8, 30
    tokens, _ = wt.bijection_sequences(np.random.default_rng(0), 1, V)
    got = w.bijection_forward(w.bijection_weights(V, M), tokens[0], backend="mpmath", dps=40)
    with mpmath.workdps(40):
        small = mpmath.exp(-M)
        for t in range(V - 1):
            revealed = set((tokens[0, 1:2 * t:2] - V).tolist())
            z = (V - t) + t * small
            for v in range(V):
                expected = small / z if v in revealed else 1 / z
                assert abs(got[t][v] - expected) < mpmath.mpf(10) ** -38
        kl = w.bijection_kl_closed_form(V, M, dps=40)
        assert abs(kl[3] - mpmath.log(1 + 3 * small / (V - 3), 2)) < mpmath.mpf(10) ** -45


def test_bijection_construction_float64_equals_exact_posteriors():
    tokens, _ = wt.bijection_sequences(np.random.default_rng(1), 10, 20)
    weights = w.bijection_weights(20, 100)
    got = np.array([w.bijection_forward(weights, t) for t in tokens])
    np.testing.assert_allclose(got, wt.bijection_posteriors(tokens, 20), atol=1e-15)


def test_hmm_prefix_graph_marginal_is_the_exact_filter():
    from tbn.exact import marginals
    rng = np.random.default_rng(2)
    tu, eu = wt.grid_dirichlet_rows(rng, 3, 3), wt.grid_dirichlet_rows(rng, 3, 4)
    _, obs = wt.hmm_sample(rng, tu / 100, eu / 100, 4)
    frac = lambda u: np.array([[Fraction(int(x), 100) for x in row] for row in u], dtype=object)  # noqa: E731
    filt = wt.forward_filter(frac(tu), frac(eu), obs)
    for t in range(1, 5):
        m = marginals(w.hmm_prefix_graph(tu, eu, obs[:t]), arithmetic="fraction")
        assert list(m[f"s{t - 1}"]) == list(filt[t - 1])


def test_compiled_filter_matches_the_forward_algorithm():
    pytest.importorskip("tbn.transformer.inference")
    rng = np.random.default_rng(3)
    tu, eu = wt.grid_dirichlet_rows(rng, 5, 5), wt.grid_dirichlet_rows(rng, 5, 5)
    _, obs = wt.hmm_sample(rng, tu / 100, eu / 100, 5)
    np.testing.assert_allclose(w.constructed_filter(tu, eu, obs),
                               wt.forward_filter(tu / 100, eu / 100, obs), atol=1e-13)


def test_best_per_token_predictor_by_enumeration():
    # p(s_t | o_t) with the past marginalised: sum over all paths, keep only o_t
    rng = np.random.default_rng(4)
    tu, eu = wt.grid_dirichlet_rows(rng, 5, 5), wt.grid_dirichlet_rows(rng, 5, 5)
    trans, emit = tu / 100, eu / 100
    obs = np.array([2, 0, 4])
    got = w._mlp_bayes_floor([(tu, eu, obs)])[0]
    for t in range(3):
        post = np.zeros(5)
        for path in itertools.product(range(5), repeat=t + 1):
            p = 0.2 * np.prod([trans[path[i - 1], path[i]] for i in range(1, t + 1)])
            post[path[-1]] += p * emit[path[-1], obs[t]]
        np.testing.assert_allclose(got[t], post / post.sum(), atol=1e-12)


def test_capacity_matched_mlp_is_close_in_parameters():
    pytest.importorskip("torch")
    from tbn.experiments import _nets
    tf = _nets.Encoder(None, 20, d_model=32, heads=2, layers=1, ffn=128, causal=True, vocab=40,
                       max_len=37)
    target = _nets.count_parameters(tf)
    mlp, _ = w._mlp_matching(target, lambda h: _nets.TokenMLP(None, 20, hidden=h, vocab=40,
                                                                max_len=37))
    assert abs(_nets.count_parameters(mlp) - target) / target < 0.05
