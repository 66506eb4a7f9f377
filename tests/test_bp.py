"""Sum-product BP against independent references.

References: brute-force enumeration of the joint (written here, in floats and in exact Fractions),
`tbn.exact.marginals` (variable elimination) for large trees, and a naive dictionary implementation
of the synchronous round written here from the definition, for loopy graphs.
"""
from __future__ import annotations

import itertools
import math
from collections import deque
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bnlearn import bnlearn_path
from tbn.bp import BPResult, belief_propagation
from tbn.errors import EvidenceError, TbnError
from tbn.exact import marginals as exact_marginals
from tbn.graph import FactorGraph

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- random models -------------------------------------------------------------------------------

def random_tree(seed: int, n: int, max_card: int = 3, zeros: float = 0.0,
                evidence_rate: float = 0.3, min_card: int = 1, spread: float = 0.0) -> tuple[FactorGraph, dict]:
    """A factor graph whose bipartite graph is a tree, with arity 1-3 factors, and evidence.

    Grown one factor at a time: each new factor joins one existing variable and 0-2 new ones, so
    the bipartite graph stays connected and acyclic.  ``zeros`` is the chance of a zero entry;
    ``spread > 0`` draws log-uniform entries in [e^-spread, 1] (strong couplings) instead.
    """
    rng = np.random.default_rng(seed)
    cards = {"v0": int(rng.integers(min_card, max_card + 1))}
    factors = []

    def table(scope):
        shape = [cards[u] for u in scope]
        t = np.exp(-rng.uniform(0, spread, shape)) if spread else rng.uniform(0.05, 1.0, shape)
        t[rng.random(t.shape) < zeros] = 0.0
        if not t.any():
            t.flat[0] = 1.0
        return t

    while len(cards) < n:
        anchor = f"v{rng.integers(len(cards))}"
        fresh = []
        for _ in range(min(int(rng.integers(0, 3)), n - len(cards))):
            name = f"v{len(cards)}"
            cards[name] = int(rng.integers(min_card, max_card + 1))
            fresh.append(name)
        scope = [anchor] + fresh
        rng.shuffle(scope)
        factors.append((tuple(scope), table(scope)))
    for name in list(cards)[: max(1, n // 3)]:
        if rng.random() < 0.5:
            factors.append(((name,), table([name])))
    fg = FactorGraph.build(cards, factors)
    evidence = {name: int(rng.integers(cards[name])) for name in cards
                if rng.random() < evidence_rate}
    return fg, evidence


def random_loopy(seed: int, n: int, m: int, max_card: int = 3,
                 zeros: float = 0.0) -> FactorGraph:
    """Random factors of arity 1-3 over n variables: cycles almost surely."""
    rng = np.random.default_rng(seed)
    cards = {f"v{i}": int(rng.integers(2, max_card + 1)) for i in range(n)}
    names = list(cards)
    factors = []
    for _ in range(m):
        k = int(rng.integers(1, 4))
        scope = [names[i] for i in rng.choice(n, size=min(k, n), replace=False)]
        t = rng.uniform(0.2, 1.0, size=[cards[u] for u in scope])
        t[rng.random(t.shape) < zeros] = 0.0
        if not t.any():
            t.flat[0] = 1.0
        factors.append((tuple(scope), t))
    return FactorGraph.build(cards, factors)


# -- references ----------------------------------------------------------------------------------

def enumerate_marginals(fg: FactorGraph, evidence: dict, exact: bool = False):
    """Marginals by summing the joint over every assignment; None when Z = 0."""
    names = fg.names
    cards = [v.cardinality for v in fg.variables]
    conv = (lambda x: Fraction(float(x))) if exact else float
    tables = [(tuple(names.index(u) for u in f.variables), f.table) for f in fg.factors]
    zero = Fraction(0) if exact else 0.0
    sums = [[zero] * c for c in cards]
    total = zero
    for x in itertools.product(*[range(c) for c in cards]):
        if any(x[names.index(k)] != s for k, s in evidence.items()):
            continue
        w = Fraction(1) if exact else 1.0
        for idx, t in tables:
            w *= conv(t[tuple(x[i] for i in idx)])
        if w:
            total += w
            for i, s in enumerate(x):
                sums[i][s] += w
    if total == 0:
        return None
    return {name: [s / total for s in sums[i]] for i, name in enumerate(names)}


def naive_rounds(fg: FactorGraph, evidence: dict, rounds: int) -> dict:
    """The round of the contract, from its definition, with dictionaries and probabilities."""
    cards = {v.name: v.cardinality for v in fg.variables}
    ev = {u: np.array([1.0 if (u not in evidence or k == evidence[u]) else 0.0
                       for k in range(cards[u])]) for u in cards}
    edges = [(k, u) for k, f in enumerate(fg.factors) for u in f.variables]
    f2v = {(k, u): np.full(cards[u], 1.0 / cards[u]) for k, u in edges}
    for _ in range(rounds):
        v2f = {}
        for k, u in edges:
            m = ev[u].copy()
            for k2, u2 in edges:
                if u2 == u and k2 != k:
                    m = m * f2v[(k2, u2)]
            v2f[(k, u)] = m
        new = {}
        for k, u in edges:
            f = fg.factors[k]
            t = np.asarray(f.table, dtype=float)
            for axis, w in enumerate(f.variables):
                if w != u:
                    shape = [1] * t.ndim
                    shape[axis] = -1
                    t = t * v2f[(k, w)].reshape(shape)
            axis = f.variables.index(u)
            out = t.sum(axis=tuple(a for a in range(t.ndim) if a != axis))
            new[(k, u)] = out / out.sum()
        f2v = new
    out = {}
    for u in cards:
        b = ev[u].copy()
        for k, w in edges:
            if w == u:
                b = b * f2v[(k, w)]
        out[u] = b / b.sum()
    return out


def max_diff(a: dict, b: dict) -> float:
    return max(abs(float(x) - float(y)) for name in a for x, y in zip(a[name], b[name]))


def mp_max_diff(a: dict, b: dict):
    return max(abs(mpmath.mpf(x) - (mpmath.mpf(y.numerator) / y.denominator
                                    if isinstance(y, Fraction) else mpmath.mpf(y)))
               for name in a for x, y in zip(a[name], b[name]))


def settle_rounds(fg: FactorGraph) -> int:
    """Rounds after which every factor-to-variable message of a tree is final, by BFS.

    The message f -> v depends on the subtree hanging off f away from v; if its longest path from
    f has h edges, the message is final after floor(h / 2) + 1 rounds (one round moves
    information across one factor and one variable).
    """
    n = len(fg.variables)
    adj = [[] for _ in range(n + len(fg.factors))]
    for k, f in enumerate(fg.factors):
        for u in f.variables:
            adj[n + k].append(fg.index(u))
            adj[fg.index(u)].append(n + k)
    best = 0
    for k, f in enumerate(fg.factors):
        for u in f.variables:
            v = fg.index(u)
            dist = {n + k: 0, v: -1}
            queue = deque([n + k])
            h = 0
            while queue:
                a = queue.popleft()
                for b in adj[a]:
                    if b not in dist:
                        dist[b] = dist[a] + 1
                        h = max(h, dist[b])
                        queue.append(b)
            best = max(best, h // 2 + 1)
    return best


# -- trees: BP is exact --------------------------------------------------------------------------

@settings(max_examples=40, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 9), zeros=st.sampled_from([0.0, 0.3]))
@example(seed=0, n=1, zeros=0.0)
def test_tree_float_equals_enumeration(seed, n, zeros):
    fg, ev = random_tree(seed, n, zeros=zeros)
    assert fg.is_tree() or not fg.factors
    ref = enumerate_marginals(fg, ev)
    if ref is None:
        with pytest.raises(EvidenceError, match="contradictory"):
            belief_propagation(fg, ev)
        return
    r = belief_propagation(fg, ev, tol=1e-14)
    assert r.converged
    assert max_diff(r.marginals, ref) < 1e-12


@settings(max_examples=8, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(100, 300))
def test_large_tree_float_equals_variable_elimination(seed, n):
    fg, ev = random_tree(seed, n, max_card=4)
    r = belief_propagation(fg, ev, tol=1e-14)
    assert r.converged
    assert max_diff(r.marginals, exact_marginals(fg, ev)) < 1e-12


@settings(max_examples=10, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8), zeros=st.sampled_from([0.0, 0.3]))
def test_tree_mpmath_equals_exact_rational_enumeration(seed, n, zeros):
    fg, ev = random_tree(seed, n, zeros=zeros)
    ref = enumerate_marginals(fg, ev, exact=True)
    if ref is None:
        with pytest.raises(EvidenceError):
            belief_propagation(fg, ev, backend="mpmath", dps=50)
        return
    r = belief_propagation(fg, ev, backend="mpmath", dps=50, tol=1e-45)
    assert r.converged
    with mpmath.workdps(50):
        assert mp_max_diff(r.marginals, ref) < mpmath.mpf("1e-40")


@settings(max_examples=4, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(50, 300))
def test_large_tree_mpmath_equals_rational_variable_elimination(seed, n):
    fg, ev = random_tree(seed, n, max_card=3)
    ref = exact_marginals(fg, ev, arithmetic="fraction")
    r = belief_propagation(fg, ev, backend="mpmath", dps=50, tol=1e-45)
    assert r.converged
    with mpmath.workdps(50):
        assert mp_max_diff(r.marginals, ref) < mpmath.mpf("1e-40")


@settings(max_examples=10, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 40),
       damping=st.sampled_from([0.0, 0.3, 0.7]))
def test_residual_schedule_and_damping_reach_the_exact_marginals_on_trees(seed, n, damping):
    fg, ev = random_tree(seed, n)
    ref = exact_marginals(fg, ev)
    for schedule in ("flooding", "residual"):
        r = belief_propagation(fg, ev, schedule=schedule, damping=damping, tol=1e-15)
        assert r.converged, schedule
        assert max_diff(r.marginals, ref) < 1e-12, schedule


# -- diagnostics on trees ------------------------------------------------------------------------

@settings(max_examples=12, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 40))
def test_flooding_iterations_on_a_tree_are_the_derived_count(seed, n):
    # One-state variables would make some messages constant from round 1, so none here.  The
    # exact count is asserted at 60 digits: in float64 the last rounds' changes can fall below
    # the resolution, and the numpy engine may then stop up to a few rounds earlier.
    fg, ev = random_tree(seed, n, evidence_rate=0.0, min_card=2)
    settle = settle_rounds(fg)
    assert settle <= max(1, fg.diameter())          # Pearl: diameter rounds are enough
    mp = belief_propagation(fg, ev, tol=1e-300, backend="mpmath", dps=60)
    # messages stop changing after `settle` rounds; the next round sees a zero change
    assert (mp.converged, mp.iterations, mp.max_residual) == (True, settle + 1, 0.0)
    ref = exact_marginals(fg, ev, arithmetic="mpmath", dps=60)
    with mpmath.workdps(60):
        exact_after = belief_propagation(fg, ev, tol=0, max_iter=settle, backend="mpmath", dps=60)
        assert mp_max_diff(exact_after.marginals, ref) < mpmath.mpf("1e-50")
        if settle > 1:
            early = belief_propagation(fg, ev, tol=0, max_iter=settle - 1, backend="mpmath",
                                       dps=60)
            assert mp_max_diff(early.marginals, ref) > mpmath.mpf("1e-45")
    r = belief_propagation(fg, ev, tol=1e-300)
    assert r.converged and r.iterations <= settle + 1 and r.max_residual == 0.0
    assert max_diff(r.marginals, ref) < 1e-12


def test_chain_counts_by_hand():
    # a - f_ab - b - f_bc - c, prior on a: the message f_bc -> c needs the path f_bc b f_ab a f_a
    # (4 edges), final after 3 rounds; round 4 changes nothing.
    fg = FactorGraph.build({"a": 2, "b": 3, "c": 2},
                           [(("a", "b"), [[1, 2, 3], [4, 5, 6]]),
                            (("b", "c"), [[1, 2], [3, 1], [2, 2]]), (("a",), [1, 3])])
    r = belief_propagation(fg, {"c": 1}, tol=1e-12)
    assert (r.converged, r.iterations) == (True, 4)
    # P(a, b | c=1) ~ prior(a) f_ab(a, b) f_bc(b, 1)
    w = np.array([1, 3])[:, None] * np.array([[1, 2, 3], [4, 5, 6]]) * np.array([2, 1, 2])
    assert np.allclose(r.marginals["a"], w.sum(1) / w.sum(), atol=1e-15, rtol=0)
    assert np.allclose(r.marginals["b"], w.sum(0) / w.sum(), atol=1e-15, rtol=0)
    assert r.marginals["c"] == [0.0, 1.0]


# -- loopy graphs: the round contract -----------------------------------------------------------

@settings(max_examples=25, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), rounds=st.integers(1, 6),
       zeros=st.sampled_from([0.0, 0.25]))
def test_flooding_rounds_follow_the_definition(seed, rounds, zeros):
    fg = random_loopy(seed, 6, 9, zeros=zeros)
    rng = np.random.default_rng(seed)
    ev = {"v0": int(rng.integers(2))}
    try:
        r = belief_propagation(fg, ev, tol=0, max_iter=rounds)
    except EvidenceError:
        # a zero message is a proof that the evidence is impossible
        assert enumerate_marginals(fg, ev) is None
        return
    ref = naive_rounds(fg, ev, rounds)
    assert r.iterations == rounds and not r.converged
    assert max_diff(r.marginals, ref) < 1e-12
    mp = belief_propagation(fg, ev, tol=0, max_iter=rounds, backend="mpmath", dps=30)
    assert max_diff(mp.marginals, ref) < 1e-12


def test_loopy_residual_and_flooding_share_the_fixed_point():
    fg = random_loopy(3, 12, 16)
    a = belief_propagation(fg, {"v1": 0}, tol=1e-13)
    b = belief_propagation(fg, {"v1": 0}, schedule="residual", tol=1e-13)
    c = belief_propagation(fg, {"v1": 0}, damping=0.5, tol=1e-13)
    assert a.converged and b.converged and c.converged
    assert max_diff(a.marginals, b.marginals) < 1e-10
    assert max_diff(a.marginals, c.marginals) < 1e-10
    # loopy BP is an approximation: it is not the exact answer here
    assert max_diff(a.marginals, exact_marginals(fg, {"v1": 0})) > 1e-6


def test_iteration_cap_is_reported_not_raised():
    fg = random_loopy(3, 12, 16)
    r = belief_propagation(fg, max_iter=2, tol=1e-15)
    assert isinstance(r, BPResult)
    assert (r.converged, r.iterations) == (False, 2) and r.max_residual > 1e-15
    assert all(abs(sum(p) - 1) < 1e-12 for p in r.marginals.values())


# -- zeros and evidence --------------------------------------------------------------------------

def test_hard_zeros_are_exact_not_epsilon():
    # x == y enforced by an identity factor; evidence y=1 must give P(x=0) exactly 0
    fg = FactorGraph.build({"x": 2, "y": 2}, [(("x", "y"), [[1, 0], [0, 1]]), (("x",), [0.9, 0.1])])
    for backend in ("numpy", "mpmath"):
        r = belief_propagation(fg, {"y": 1}, backend=backend)
        assert r.marginals["x"][0] == 0 and r.marginals["x"][1] == 1


def test_underflowing_products_stay_positive():
    # a long chain of extreme factors: products underflow float64 but logs do not
    n = 400
    factors = [((f"v{i}", f"v{i+1}"), [[1.0, 1e-300], [1e-300, 1.0]]) for i in range(n - 1)]
    fg = FactorGraph.build({f"v{i}": 2 for i in range(n)}, factors)
    r = belief_propagation(fg, {"v0": 1})
    assert r.marginals[f"v{n-1}"][1] == 1.0
    r = belief_propagation(fg, {"v0": 1, f"v{n-1}": 0})   # possible, with tiny probability
    assert r.converged and all(abs(sum(p) - 1) < 1e-12 for p in r.marginals.values())


@pytest.mark.parametrize("backend", ["numpy", "mpmath"])
@pytest.mark.parametrize("schedule", ["flooding", "residual"])
def test_contradictory_evidence_raises(backend, schedule):
    fg = FactorGraph.build({"x": 2, "y": 2}, [(("x", "y"), [[1, 0], [0, 1]])])
    with pytest.raises(EvidenceError, match="contradictory"):
        belief_propagation(fg, {"x": 0, "y": 1}, backend=backend, schedule=schedule)


@pytest.mark.parametrize("evidence, match", [
    ({"z": 0}, "unknown variable"), ({"x": 2}, "outside"), ({"x": "1"}, "integer")])
def test_bad_evidence(evidence, match):
    fg = FactorGraph.build({"x": 2}, [(("x",), [1, 1])])
    with pytest.raises(EvidenceError, match=match):
        belief_propagation(fg, evidence)


@pytest.mark.parametrize("kwargs, match", [
    (dict(damping=1.0), "damping"), (dict(damping=-0.1), "damping"),
    (dict(damping=float("nan")), "damping"), (dict(tol=-1), "tol"), (dict(tol=math.inf), "tol"),
    (dict(max_iter=0), "max_iter"), (dict(max_iter=2.5), "max_iter"),
    (dict(schedule="async"), "schedule"), (dict(backend="torch"), "backend"),
    (dict(backend="mpmath", dps=0), "dps")])
def test_bad_options(kwargs, match):
    fg = FactorGraph.build({"x": 2}, [(("x",), [1, 1])])
    with pytest.raises(TbnError, match=match):
        belief_propagation(fg, **kwargs)


def test_isolated_variables_and_one_state_domains():
    fg = FactorGraph.build({"a": 3, "b": 1, "c": 2}, [(("b", "c"), [[1, 3]])])
    r = belief_propagation(fg, {"a": 2})
    assert r.marginals["a"] == [0.0, 0.0, 1.0]
    assert r.marginals["b"] == [1.0]
    assert np.allclose(r.marginals["c"], [0.25, 0.75], atol=1e-15, rtol=0)


@pytest.mark.parametrize("backend", ["numpy", "mpmath"])
def test_sums_of_underflowing_terms_are_recovered(backend):
    # chain v0 - v1 - v2 - v3 with f = [[1, e], [e, 1]], v0 = 1, v3 = 0: the three configurations
    # of (v1, v2) with one disagreement weigh e each and the fourth e^3, so P(v1 = 1) = 2/3 up to
    # e^2; with e = 1e-200 the messages multiply numbers far below float64's range
    e = 1e-200
    f = [[1.0, e], [e, 1.0]]
    fg = FactorGraph.build({f"v{i}": 2 for i in range(4)},
                           [(("v0", "v1"), f), (("v1", "v2"), f), (("v2", "v3"), f)])
    r = belief_propagation(fg, {"v0": 1, "v3": 0}, backend=backend)
    assert abs(r.marginals["v1"][1] - 2 / 3) < 1e-15
    assert abs(r.marginals["v2"][0] - 2 / 3) < 1e-15


def test_docstring_examples():
    import doctest

    import tbn.bp.oplus
    import tbn.bp.sum_product
    import tbn.numerics

    for module in (tbn.bp.sum_product, tbn.bp.oplus, tbn.numerics):
        failed, attempted = doctest.testmod(module)
        assert attempted > 0 and failed == 0, module.__name__


@pytest.mark.parametrize("name", ["cancer", "earthquake"])
def test_bnlearn_polytrees_are_exact(name):
    # their factor graphs are trees, so BP is exact for every single observation
    from tbn.bif import read_bif

    fg = read_bif(bnlearn_path(name))
    assert fg.is_tree()
    for v in fg.variables:
        for k in range(v.cardinality):
            ev = {v.name: k}
            r = belief_propagation(fg, ev, tol=1e-14)
            assert r.converged and max_diff(r.marginals, exact_marginals(fg, ev)) < 1e-12
    ev = {fg.variables[-1].name: 0}
    mp = belief_propagation(fg, ev, backend="mpmath", dps=50, tol=1e-45)
    with mpmath.workdps(50):
        ref = exact_marginals(fg, ev, arithmetic="fraction")
        assert mp_max_diff(mp.marginals, ref) < mpmath.mpf("1e-40")


@pytest.mark.parametrize("rounds", [1, 4, 12])
def test_vectorised_rounds_equal_the_message_engine_on_alarm(rounds):
    # two independent float64 implementations of the same round, on a real loopy network with
    # zero CPT entries and evidence: the vectorised engine and the message-by-message one
    from tbn.bif import read_bif
    from tbn.bp._messages import LogFloat, MessageEngine, run_flooding

    fg = read_bif(bnlearn_path("alarm"))
    rng = np.random.default_rng(5)
    ev = {v.name: int(rng.integers(v.cardinality)) for v in fg.variables[::9]}
    try:
        r = belief_propagation(fg, ev, tol=0, max_iter=rounds)
    except EvidenceError:
        pytest.skip("this evidence happens to be impossible")
    engine = MessageEngine(fg, {fg.index(k): s for k, s in ev.items()}, LogFloat())
    run_flooding(engine, 0.0, 0.0, rounds)
    ref = dict(zip(fg.names, engine.beliefs()))
    assert max_diff(r.marginals, ref) < 1e-13


def test_float_belief_propagation_on_a_bif_file_does_not_load_mpmath(tmp_path):
    """Start-up cost: a float64 run (`import tbn`, read a BIF, BP) never imports mpmath."""
    import subprocess
    import sys

    (tmp_path / "n.bif").write_text(
        "variable a { type discrete [ 2 ] { x, y }; }\n"
        "variable b { type discrete [ 2 ] { x, y }; }\n"
        "probability ( a ) { table 0.3, 0.7; }\n"
        "probability ( b | a ) { (x) 0.9, 0.1; (y) 0.2, 0.8; }\n")
    code = ("import sys, tbn\nfrom tbn.bif import read_bif\nfrom tbn.bp import belief_propagation\n"
            f"fg = read_bif({str(tmp_path / 'n.bif')!r})\n"
            "r = belief_propagation(fg, {'b': 1})\n"
            "assert abs(r.marginals['a'][0] - 0.3 * 0.1 / (0.3 * 0.1 + 0.7 * 0.8)) < 1e-12\n"
            "print('mpmath' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
