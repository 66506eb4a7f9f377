"""Binarised AND/OR gates against the unbinarised graph (exact marginals) and the depth bound."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import EvidenceError
from tbn.exact import marginals
from tbn.graph import FactorGraph
from tbn.transformer.binarize import binarize, binarized_depth_bound, find_gate, gate_depth


def gate(kind, k, out_last=True):
    t = np.zeros((2,) * (k + 1))
    for x in itertools.product((0, 1), repeat=k):
        y = int(all(x) if kind == "and" else any(x))
        t[x + (y,)] = 1
    return t if out_last else np.moveaxis(t, -1, 0)


@st.composite
def circuits(draw):
    n_inputs = draw(st.integers(3, 6))
    names = [f"x{i}" for i in range(n_inputs)]
    factors = [((n,), [1 - p, p]) for n, p in
               ((n, draw(st.integers(1, 7)) / 8) for n in names)]
    depth = draw(st.integers(1, 3))
    for level in range(depth):
        k = draw(st.integers(2, min(6, len(names))))
        ins = draw(st.permutations(names))[:k]
        out = f"g{level}"
        kind = draw(st.sampled_from(["and", "or"]))
        first = draw(st.booleans())  # output first or last in the scope
        scope = (out, *ins) if first else (*ins, out)
        factors.append((scope, gate(kind, k, out_last=not first)))
        names.append(out)
    fg = FactorGraph.build({n: 2 for n in names}, factors)
    observed = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    return fg, {n: draw(st.integers(0, 1)) for n in observed}


@settings(max_examples=30, deadline=None)
@given(circuits())
def test_binarised_circuit_has_the_same_exact_marginals(case):
    fg, ev = case
    bfg = binarize(fg)
    assert all(len(f.variables) <= 3 for f in bfg.factors)
    try:
        want = marginals(fg, ev, arithmetic="fraction")
    except EvidenceError:
        with pytest.raises(EvidenceError):
            marginals(bfg, ev, arithmetic="fraction")
        return
    got = marginals(bfg, ev, arithmetic="fraction")
    assert all(got[name] == want[name] for name in fg.names)  # exactly, in Fractions


@pytest.mark.parametrize("k,d", [(4, 1), (4, 3), (8, 2), (5, 2), (3, 3)])
def test_depth_is_d_times_ceil_log2_k(k, d):
    # a chain: gate t reads gate t-1 and k-1 fresh inputs
    domains, factors, prev = {}, [], None
    for t in range(d):
        ins = [f"x{t}_{i}" for i in range(k - (prev is not None))]
        ins = ([prev] if prev else []) + ins
        for n in ins:
            domains.setdefault(n, 2)
        domains[f"g{t}"] = 2
        factors.append(((*ins, f"g{t}"), gate("or" if t % 2 else "and", k)))
        prev = f"g{t}"
    fg = FactorGraph.build(domains, factors)
    assert gate_depth(fg) == d
    bound = binarized_depth_bound(d, k)
    got = gate_depth(binarize(fg))
    assert got <= bound
    if k & (k - 1) == 0:  # a power of two: every leaf sits at depth log2 k, the bound is met
        assert got == bound


def test_non_gates_are_left_alone():
    fg = FactorGraph.build({"a": 2, "b": 2, "c": 2, "d": 3},
                           [(("a", "b", "c"), np.full((2, 2, 2), 0.5)), (("a", "d"), np.ones((2, 3)))])
    assert find_gate(fg, fg.factors[0]) is None
    assert binarize(fg).names == fg.names


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_a_k_ary_or_runs_on_the_two_head_layer_in_ceil_log2_k_layers(k):
    """SPEC 3.1/3.4: the balanced oplus tree, one level per layer of the explicit construction.

    Tokens: a neutral token (log-odds 0, the identity of oplus), the k leaves (each keeps its
    value: neighbours itself and the neutral token), then the internal nodes of the tree.
    """
    import math
    from fractions import Fraction

    import mpmath

    from tbn.algebra import oplus
    from tbn.transformer import (decode_oplus_state, encode_oplus_state, explicit_oplus_layer,
                                 model_forward)

    probs = [Fraction(i + 1, k + 2) for i in range(k)]
    nb0, nb1 = [0], [0]
    level = []
    for i in range(k):
        nb0.append(len(nb0))
        nb1.append(0)
        level.append(len(nb0) - 1)
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            nb0.append(level[i])
            nb1.append(level[i + 1])
            nxt.append(len(nb0) - 1)
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    root, depth = level[0], math.ceil(math.log2(k))
    want = probs[0]
    for p in probs[1:]:
        want = oplus(want, p)
    width = max(1, (len(nb0) - 1).bit_length())
    with mpmath.workdps(50):
        logits = [mpmath.mpf(0)] + [mpmath.log(mpmath.mpf(p.numerator) / (p.denominator - p.numerator))
                                    for p in probs] + [mpmath.mpf(0)] * (len(nb0) - k - 1)
        X = encode_oplus_state(nb0, nb1, logits, width)
        layer = explicit_oplus_layer(width)
        exact = mpmath.mpf(want.numerator) / want.denominator
        got = decode_oplus_state(model_forward([layer] * depth, X, "mpmath", 50), "mpmath")[root]
        assert abs(got - exact) < mpmath.mpf(10) ** -45
        if depth > 1:  # one layer fewer is not enough
            early = decode_oplus_state(model_forward([layer] * (depth - 1), X, "mpmath", 50),
                                       "mpmath")[root]
            assert abs(early - exact) > mpmath.mpf(10) ** -6
