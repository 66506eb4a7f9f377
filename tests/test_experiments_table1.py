"""tbn.experiments.table1: data, encodings and targets against enumeration and the paper."""
import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.experiments import table1

entries = st.fractions(min_value=Fraction(1, 20), max_value=1)


@settings(max_examples=40, deadline=None)
@given(st.lists(entries, min_size=4, max_size=4))
def test_closed_form_equals_enumeration_exactly(f):
    # joint P(v0 = a, v2 = b) proportional to f[2a + b]; sum out the other variable
    z = sum(f)
    p_v0 = sum(f[2 * 1 + b] for b in (0, 1)) / z
    p_v2 = sum(f[2 * a + 1] for a in (0, 1)) / z
    got = table1.closed_form_marginals(np.array(f, dtype=object))
    assert got[0] == p_v0 and got[1] == p_v2


def test_paper_data_and_token_encoding():
    f = table1.paper_data(np.random.default_rng(0), 1000)
    assert f.shape == (1000, 4) and f.min() >= 0.05 and f.max() <= 1.0
    x = table1.paper_tokens(f[:3])
    assert x.shape == (3, 3, 8)
    assert np.all(x[:, :, 0] == 0.5)
    np.testing.assert_allclose(x[1, 2, 1:5], f[1], rtol=1e-7)       # every token holds the table
    assert list(x[0, :, 5]) == [0, 1, 0]                              # node type: factor in the middle
    assert list(x[0, :, 6]) == [0, 0.5, 1.0]                          # own index / 2
    assert list(x[0, :, 7]) == [0.5, 0, 0.5]                          # neighbour index / 2


def test_paper_architecture_has_the_published_parameter_count():
    pytest.importorskip("torch")
    from tbn.experiments import _nets
    assert _nets.count_parameters(_nets.Encoder(8, 1)) == 26785      # REFERENCES: 26,785
    assert _nets.count_parameters(_nets.Encoder(8, 1, activation="sigmoid")) == 26785


def brute_tree_marginals(fg):
    n = len(fg.variables)
    idx = {v: i for i, v in enumerate(fg.names)}
    p1, z = np.zeros(n), 0.0
    for x in itertools.product((0, 1), repeat=n):
        w = np.prod([f.table[tuple(x[idx[v]] for v in f.variables)] for f in fg.factors])
        z += w
        p1 += w * np.array(x)
    return p1 / z


def test_tree_tokens_hold_only_local_tables_and_targets_are_exact():
    n = 5
    x, y, adj, graphs = table1.tree_data(np.random.default_rng(1), 6, n)
    T = 2 * n - 1
    assert x.shape == (6, T, 6 + 3 * T)
    for g, fg in enumerate(graphs):
        assert fg.is_tree()
        np.testing.assert_allclose(y[g, :n], brute_tree_marginals(fg), atol=1e-12)
        assert np.all(adj[g] == adj[g].T) and adj[g].sum() == 2 * 2 * (n - 1)
        for t in range(n, T):                       # a factor token names its two variables ...
            row = np.argmax(x[g, t, 6 + T: 6 + 2 * T])
            col = np.argmax(x[g, t, 6 + 2 * T:])
            f = [f for f in fg.factors if f.variables == (f"v{row}", f"v{col}")]
            assert len(f) == 1                      # ... and carries exactly that factor's table
            np.testing.assert_allclose(np.exp(x[g, t, 2:6]), f[0].table.ravel(), rtol=1e-6)
        for i in range(n):                          # a variable token: its unary table, no neighbours
            assert not x[g, i, 6 + T:].any()
            unary = [f for f in fg.factors if f.variables == (f"v{i}",)][0].table
            np.testing.assert_allclose(np.exp(x[g, i, 2:4]), unary, rtol=1e-6)


def test_compiled_transformer_matches_the_closed_form_at_50_digits():
    f = table1.paper_data(np.random.default_rng(2), 3)
    out = table1._constructed_pair(f, 3, 1)
    if out["status"] == "SKIPPED":
        pytest.skip(out["reason"])
    assert out["status"] == "PASSED"
    assert out["max_abs_error_float64"] < 1e-12
    assert out["max_abs_error_mpmath50"] < 1e-40
