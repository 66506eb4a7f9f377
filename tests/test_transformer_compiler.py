"""The compiled transformer against exact enumeration (trees) and the BP engine (loops)."""
import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.bp import belief_propagation
from tbn.errors import EvidenceError, ModelError, TbnError
from tbn.graph import FactorGraph
from tbn.transformer import compile_factor_graph, layer_forward, transformer_marginals


def enumerate_marginals(fg, evidence):
    """Independent reference: sum the joint over every assignment, in Fractions."""
    cards = [v.cardinality for v in fg.variables]
    tables = [(tuple(fg.index(n) for n in f.variables), f.table) for f in fg.factors]
    obs = {fg.index(k): v for k, v in evidence.items()}
    acc = [[Fraction(0)] * c for c in cards]
    for x in itertools.product(*[range(c) for c in cards]):
        if any(x[i] != s for i, s in obs.items()):
            continue
        p = Fraction(1)
        for idx, t in tables:
            p *= Fraction(float(t[tuple(x[i] for i in idx)]))
        for i, s in enumerate(x):
            acc[i][s] += p
    z = sum(acc[0])
    if z == 0:
        return None
    return {v.name: [a / z for a in acc[i]] for i, v in enumerate(fg.variables)}


def table(draw, shape, zeros):
    lo = 0 if zeros else 1
    t = np.array(draw(st.lists(st.integers(lo, 9), min_size=int(np.prod(shape)),
                               max_size=int(np.prod(shape))))).reshape(shape) / 4.0
    if not t.any():
        t.flat[0] = 1.0  # an all-zero factor is not a valid model
    return t


@st.composite
def trees(draw, zeros=False):
    """Random factor-graph trees: each new factor joins one old variable to 0-2 new ones."""
    cards = [draw(st.integers(2, 3))]
    factors = []
    for _ in range(draw(st.integers(1, 5))):
        anchor = draw(st.integers(0, len(cards) - 1))
        new = draw(st.integers(0, 2))
        scope = [anchor] + list(range(len(cards), len(cards) + new))
        cards += [draw(st.integers(2, 3)) for _ in range(new)]
        draw(st.randoms()).shuffle(scope)
        factors.append((scope, table(draw, [cards[i] for i in scope], zeros)))
    fg = FactorGraph.build({f"v{i}": c for i, c in enumerate(cards)},
                           [([f"v{i}" for i in s], t) for s, t in factors])
    observed = draw(st.lists(st.integers(0, len(cards) - 1), max_size=2, unique=True))
    evidence = {f"v{i}": draw(st.integers(0, cards[i] - 1)) for i in observed}
    return fg, evidence


@st.composite
def loopy(draw):
    n = draw(st.integers(3, 4))
    cards = [draw(st.integers(2, 3)) for _ in range(n)]
    scopes = [[i, (i + 1) % n] for i in range(n)]  # a cycle
    if draw(st.booleans()):
        scopes.append([0, 1, 2])
    factors = [([f"v{i}" for i in s], table(draw, [cards[i] for i in s], False)) for s in scopes]
    fg = FactorGraph.build({f"v{i}": c for i, c in enumerate(cards)}, factors)
    evidence = {"v0": draw(st.integers(0, cards[0] - 1))} if draw(st.booleans()) else {}
    return fg, evidence


def rounds_for(fg):
    return len(fg.variables) + len(fg.factors)  # at least the diameter of the tree


@settings(max_examples=40, deadline=None)
@given(trees())
def test_tree_float64_equals_enumeration(case):
    fg, ev = case
    want = enumerate_marginals(fg, ev)
    got = transformer_marginals(fg, ev, max_iter=rounds_for(fg), tol=0)
    err = max(abs(float(w) - g) for k in want for w, g in zip(want[k], got.marginals[k]))
    assert err < 1e-12


@settings(max_examples=15, deadline=None)
@given(trees(zeros=True))
def test_tree_50_digits_equals_enumeration_with_zero_entries(case):
    fg, ev = case
    want = enumerate_marginals(fg, ev)
    if want is None:  # evidence of probability zero: a clear error, never NaN
        with pytest.raises(EvidenceError):
            transformer_marginals(fg, ev, max_iter=rounds_for(fg), tol=0, dps=50)
        return
    got = transformer_marginals(fg, ev, max_iter=rounds_for(fg), tol=0, dps=50)
    with mpmath.workdps(60):
        err = max(abs(mpmath.mpf(w.numerator) / w.denominator - g)
                  for k in want for w, g in zip(want[k], got.marginals[k]))
    assert err < mpmath.mpf(10) ** -40


@settings(max_examples=20, deadline=None)
@given(loopy(), st.integers(1, 6))
def test_loopy_equals_bp_round_for_round(case, T):
    fg, ev = case
    got = transformer_marginals(fg, ev, max_iter=T, tol=0)
    ref = belief_propagation(fg, ev, max_iter=T, tol=0)
    err = max(abs(a - b) for k in ref.marginals for a, b in zip(ref.marginals[k], got.marginals[k]))
    assert err < 1e-12


def test_loopy_50_digits_and_stopping_rule_match_bp():
    fg = FactorGraph.build({"a": 2, "b": 3, "c": 2},
                           [(("a", "b"), [[1, 3, 0.5], [2, 1, 0.25]]),
                            (("b", "c"), [[1, 2], [0.5, 1], [3, 1]]),
                            (("a", "c"), [[0.25, 0.75], [1, 2]])])
    for T in (1, 4):
        got = transformer_marginals(fg, {"c": 0}, max_iter=T, tol=0, dps=50)
        ref = belief_propagation(fg, {"c": 0}, max_iter=T, tol=0, backend="mpmath", dps=50)
        with mpmath.workdps(50):
            err = max(abs(a - b) for k in ref.marginals
                      for a, b in zip(ref.marginals[k], got.marginals[k]))
        assert err < mpmath.mpf(10) ** -40
    got, ref = transformer_marginals(fg, tol=1e-9), belief_propagation(fg, tol=1e-9)
    assert got.converged and ref.converged and got.iterations == ref.iterations


def test_binary_pairwise_message_is_one_softplus_pair():
    # SPEC 3.4: with cavity log-odds l, the message log-odds is
    # log(f01/f00) + softplus(l + log(f11/f01)) - softplus(l + log(f10/f00))
    f = [[2, 5], [3, 7]]  # f[a][b] = f(x_i = a, x_j = b)
    prior = [1, 4]        # unary factor on i: cavity log-odds l = log 4
    fg = FactorGraph.build({"i": 2, "j": 2}, [(("i",), prior), (("i", "j"), f)])
    with mpmath.workdps(50):
        c = compile_factor_graph(fg, dps=50)
        x = c.initial_state()
        for layer in c.layers(2):
            x = layer.forward(x, "mpmath")
        off = c.offset[(1, 1)]
        sp = lambda z: mpmath.log1p(mpmath.exp(z))
        l, L = mpmath.log(4), mpmath.log
        want = L(mpmath.mpf(5) / 2) + sp(l + L(mpmath.mpf(7) / 5)) - sp(l + L(mpmath.mpf(3) / 2))
        assert abs((x[off + 1] - x[off]) - want) < mpmath.mpf(10) ** -45
    softplus_units = [layer.hidden for layer in c.block(2) if layer.activation == "softplus"]
    assert softplus_units == [4]  # one unit per entry of i -> j and of j -> i


def test_zero_entry_drops_a_softplus_exactly():
    # f01 = 0: entry x_j = 1 of i -> j and entry x_i = 0 of j -> i keep one term each, so two
    # of the four softplus units of the positive case become their linear limit
    fg = FactorGraph.build({"i": 2, "j": 2}, [(("i",), [1, 4]), (("i", "j"), [[2, 0], [3, 7]])])
    c = compile_factor_graph(fg)
    assert [layer.hidden for layer in c.block(2) if layer.activation == "softplus"] == [2]
    got = transformer_marginals(fg, max_iter=3, tol=0).marginals["j"]
    want = enumerate_marginals(fg, {})["j"]
    assert np.allclose(got, [float(w) for w in want], atol=1e-15, rtol=0)


def test_deterministic_and_gate_with_evidence_and_shrinking_supports():
    # y = a AND b (a zero-heavy table), evidence y = 1 forces a = b = 1 exactly
    and_table = np.zeros((2, 2, 2))
    for a, b in itertools.product(range(2), range(2)):
        and_table[a, b, a & b] = 1
    fg = FactorGraph.build({"a": 2, "b": 2, "y": 2, "z": 2},
                           [(("a",), [0.3, 0.7]), (("b",), [0.6, 0.4]),
                            (("a", "b", "y"), and_table), (("a", "z"), [[1, 2], [3, 1]])])
    got = transformer_marginals(fg, {"y": 1}, max_iter=6, tol=0, dps=30).marginals
    assert got["a"] == [0, 1] and got["b"] == [0, 1]
    assert abs(got["z"][1] - mpmath.mpf(1) / 4) < mpmath.mpf(10) ** -28
    ref = belief_propagation(fg, {"y": 1}, max_iter=6, tol=0, backend="mpmath", dps=30).marginals
    assert max(abs(a - b) for a, b in zip(got["z"], ref["z"])) < mpmath.mpf(10) ** -28


def test_sparse_layers_are_transformer_layers():
    fg = FactorGraph.build({"a": 2, "b": 3}, [(("a", "b"), [[1, 3, 0.5], [2, 1, 0]]),
                                              (("b",), [1, 2, 3])])
    c = compile_factor_graph(fg, {"a": 1})
    x = np.linspace(-1, 1, c.width)
    for layer in c.layers(2):
        assert np.allclose(layer.forward(x), layer_forward(layer.dense(), x[None, :])[0],
                           atol=1e-13, rtol=0)
        x = layer.forward(x)
    s = c.summary(2)
    assert s["heads_per_layer"] == 0 and s["layers"] == sum(s["layers_per_round"])
    assert s["width"] == c.width and s["nonzero_parameters"] < s["parameters"]


def test_bad_input_gets_a_clear_error():
    fg = FactorGraph.build({"a": 2, "b": 2}, [(("a", "b"), [[1, 0], [0, 1]])])
    with pytest.raises(ModelError, match="FactorGraph"):
        compile_factor_graph({"a": 2})
    with pytest.raises(EvidenceError):
        transformer_marginals(fg, {"nope": 1})
    with pytest.raises(EvidenceError, match="Z = 0"):
        transformer_marginals(FactorGraph.build({"a": 2}, [(("a",), [1, 0])]), {"a": 1})
    with pytest.raises(TbnError, match="max_iter"):
        transformer_marginals(fg, max_iter=0)
    with pytest.raises(TbnError, match="tol"):
        transformer_marginals(fg, tol=float("nan"))
