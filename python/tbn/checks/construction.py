"""Checks of ``lean/TBN/Construction.lean``: the explicit oplus-BP layer (SPEC 3.4).

Each ``check_<name>`` mirrors ``TBN.Construction.<name>``.  The layer is the Python engineer's
independent construction, `tbn.transformer.weights.explicit_oplus_layer`, run by the mpmath
forward pass of `tbn.transformer.model`; the oplus-BP side is `tbn.bp.oplus_bp_step` (beliefs) or
the plain log-odds sum.  Instances: random source maps over 1 to 12 tokens (and 16, 17 and 33
tokens for binary codes: widths 4, 5 and 6), log-odds that are zero, tiny, moderate, huge (up to
1e6) or tied, beliefs within 1e-30 of 0 and 1, and up to 5 rounds.  The weights are built once per
code width and then applied to every drawn source map and state: the quantifier order of the
theorems (``∃ W, ∀ nb state``).

Numbers are evaluated at ``precision + GUARD`` digits; the statements are identities, so the
deviation is the largest absolute difference over every token and every dimension.  Statements
about codes are checked exactly by enumeration and report 0 or 1.
"""
from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import numpy as np

from ..algebra import mp_sigmoid
from ..bp.oplus import oplus_bp_step
from ..transformer.implicit import implicit_graph
from ..transformer.model import FFN, Layer, layer_forward, model_forward
from ..transformer.softmax import softmax_layer
from ..transformer.weights import (binary_code, code_width, cross_project, encode_oplus_state,
                                   explicit_oplus_layer, one_hot_code, project_dim)
from ._base import CheckResult, worst_deviation

__all__ = [
    "GUARD", "draw_case", "layer_deviation", "iterate_deviation", "decode_deviation",
    "check_mv_project_dim", "check_mv_cross_project", "check_mv_add",
    "check_one_hot_is_routing_code", "check_bin_code_is_routing_code", "check_gather",
    "check_ffn_or", "check_explicit_layer_encode", "check_explicit_layer_iterate",
    "check_decode_iterate", "check_exists_layer_one_hot", "check_exists_layer_binary",
    "check_exists_layer_decode_one_hot", "check_exists_layer_decode_binary",
    "check_layer_with_encode", "check_layer_with_iterate", "check_attn_weights_explicit_indep",
    "gap_violation", "check_one_hot_is_gap_code", "check_bin_code_is_gap_code", "scores",
    "check_explicit_score_gap",
]

#: Extra digits of working precision.
GUARD = 20


# --- instances ---------------------------------------------------------------------------------

def _log_odds(rng: random.Random) -> mpmath.mpf:
    """Zero, tiny, moderate or huge log-odds of either sign."""
    kind, sign = rng.random(), (-1 if rng.random() < 0.5 else 1)
    if kind < 0.1:
        return mpmath.mpf(0)
    if kind < 0.25:
        return sign * mpmath.mpf(10) ** -rng.randint(5, 40)
    if kind < 0.85:
        return sign * mpmath.mpf(rng.uniform(0, 30))
    return sign * mpmath.mpf(10) ** rng.randint(3, 6)


def _belief(rng: random.Random) -> Fraction:
    """An exact belief in (0, 1), sometimes within 1e-30 of 0 or 1."""
    kind = rng.random()
    if kind < 0.15:
        return Fraction(1, 10 ** rng.randint(10, 30))
    if kind < 0.3:
        return 1 - Fraction(1, 10 ** rng.randint(10, 30))
    if kind < 0.4:
        return Fraction(1, 2)
    return Fraction(rng.randint(1, 999), 1000)


def _mpf(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _logit(q: Fraction) -> mpmath.mpf:
    """logit of an exact belief without forming ``1 - q`` in floating point."""
    return mpmath.log(q.numerator) - mpmath.log(q.denominator - q.numerator)


def draw_case(rng: random.Random, code: str, n: int | None = None):
    """``(n, width, nb0, nb1, log_odds)`` with ties (repeated values) now and then."""
    if n is None:
        n = rng.choice([1, 2, 3, 4, 5, 7, 8, 12] + ([16, 17, 33] if code == "binary" else []))
    width = code_width(n, code)
    nb0 = [rng.randrange(n) for _ in range(n)]
    nb1 = [rng.randrange(n) for _ in range(n)]
    l = [_log_odds(rng) for _ in range(n)]
    if n > 1 and rng.random() < 0.3:
        l[rng.randrange(n)] = l[rng.randrange(n)]
    return n, width, nb0, nb1, l


def _max_abs_diff(X, Y) -> mpmath.mpf:
    X, Y = np.asarray(X, dtype=object), np.asarray(Y, dtype=object)
    if X.shape != Y.shape:
        return mpmath.inf
    return max((abs(mpmath.mpf(a) - mpmath.mpf(b)) for a, b in zip(X.flat, Y.flat)),
               default=mpmath.mpf(0))


def _step_log_odds(nb0, nb1, l, wrong: bool = False) -> list:
    """``l_j <- l_{nb0 j} + l_{nb1 j}`` (``wrong``: a deliberately false variant for the tests)."""
    if wrong:
        return [l[nb0[j]] + l[nb0[j]] for j in range(len(l))]
    return [l[nb0[j]] + l[nb1[j]] for j in range(len(l))]


# --- the layer ---------------------------------------------------------------------------------

def layer_deviation(case, code: str, precision: int, layer=None, wrong: bool = False):
    """|layer(encode l) - encode(bpStep l)| over all tokens and dims (explicitLayer_encode)."""
    n, width, nb0, nb1, l = case
    layer = layer or explicit_oplus_layer(width, code)
    with mpmath.workdps(precision + GUARD):
        X = encode_oplus_state(nb0, nb1, l, width, code)
        Y = layer_forward(layer, X, "mpmath", precision + GUARD)
        Z = encode_oplus_state(nb0, nb1, _step_log_odds(nb0, nb1, l, wrong), width, code)
        return _max_abs_diff(Y, Z)


def iterate_deviation(case, code: str, T: int, precision: int, layer=None, wrong: bool = False):
    """|layer^T(encode l) - encode(bpStep^T l)| (explicitLayer_iterate)."""
    n, width, nb0, nb1, l = case
    layer = layer or explicit_oplus_layer(width, code)
    with mpmath.workdps(precision + GUARD):
        X = encode_oplus_state(nb0, nb1, l, width, code)
        Y = model_forward([layer] * T, X, "mpmath", precision + GUARD)
        for _ in range(T):
            l = _step_log_odds(nb0, nb1, l, wrong)
        Z = encode_oplus_state(nb0, nb1, l, width, code)
        return _max_abs_diff(Y, Z)


def decode_deviation(case, code: str, T: int, beliefs, precision: int, layer=None):
    """|σ(dim 0 after T layers) - oplus-BP^T(p)| on exact beliefs p in (0, 1) (decode_iterate).

    oplus-BP runs exactly on `Fraction`s; the comparison is relative to ``min(b, 1 - b)`` of the
    exact result ``b`` (near 1 through ``sigma(-x) = 1 - sigma(x)``), so beliefs within 1e-30 of 0
    or 1 are compared to full precision.
    """
    n, width, nb0, nb1, _ = case
    layer = layer or explicit_oplus_layer(width, code)
    want = list(beliefs)
    for _ in range(T):
        want = oplus_bp_step(nb0, nb1, want)
    with mpmath.workdps(precision + GUARD):
        X = encode_oplus_state(nb0, nb1, [_logit(p) for p in beliefs], width, code)
        Y = model_forward([layer] * T, X, "mpmath", precision + GUARD)
        dev = mpmath.mpf(0)
        for j, b in enumerate(want):
            # near 1 compare 1 - sigma(x) = sigma(-x) with 1 - b: the same identity, without
            # the cancellation of 1 - sigma(x) at working precision
            got = mp_sigmoid(Y[j, 0]) if b <= Fraction(1, 2) else mp_sigmoid(-Y[j, 0])
            q = min(b, 1 - b)
            dev = max(dev, abs(got - _mpf(q)) / _mpf(q))
        return dev


def _both_codes(rng: random.Random, instances: int, extra=lambda code, case: ()) -> list:
    """``(code, case, *extra(code, case))`` per instance, codes alternating one-hot and binary;
    ``extra`` draws what else an instance needs from ``rng``, after its case."""
    cases = []
    for i in range(instances):
        code = ("one_hot", "binary")[i % 2]
        case = draw_case(rng, code)
        cases.append((code, case, *extra(code, case)))
    return cases


def check_explicit_layer_encode(precision: int, instances: int, seed: int) -> CheckResult:
    """One layer = one oplus-BP step in log-odds, both codes."""
    cases = _both_codes(random.Random(seed), instances)
    return worst_deviation(cases, lambda c: layer_deviation(c[1], c[0], precision))


def check_explicit_layer_iterate(precision: int, instances: int, seed: int) -> CheckResult:
    """T layers with the same weights = T oplus-BP steps, T in 0..5."""
    rng = random.Random(seed)
    cases = _both_codes(rng, instances, lambda code, case: (rng.randint(0, 5),))
    return worst_deviation(cases, lambda c: iterate_deviation(c[1], c[0], c[2], precision))


def check_decode_iterate(precision: int, instances: int, seed: int) -> CheckResult:
    """Decoded beliefs after T layers = T rounds of b_j <- b_nb0 ⊕ b_nb1."""
    rng = random.Random(seed)
    cases = _both_codes(rng, instances, lambda code, case: (
        rng.randint(0, 4), [_belief(rng) for _ in range(case[0])]))
    return worst_deviation(cases, lambda c: decode_deviation(c[1], c[0], c[2], c[3], precision))


def _exists_check(code: str, decoded: bool, precision: int, instances: int, seed: int):
    """One layer per width, built before any state is drawn, then used for every state."""
    rng = random.Random(seed)
    sizes = [1, 2, 3, 4, 5, 8] + ([16, 17] if code == "binary" else [])
    layers = {}
    cases = []
    for i in range(instances):
        n = sizes[i % len(sizes)]
        case = draw_case(rng, code, n)
        T = rng.randint(0, 4)
        beliefs = [_belief(rng) for _ in range(n)]
        cases.append((case, T, beliefs))

    def deviation(c):
        case, T, beliefs = c
        width = case[1]
        layer = layers.setdefault(width, explicit_oplus_layer(width, code))
        if decoded:
            return decode_deviation(case, code, T, beliefs, precision, layer)
        return iterate_deviation(case, code, T, precision, layer)
    return worst_deviation(cases, deviation)


def check_exists_layer_one_hot(precision: int, instances: int, seed: int) -> CheckResult:
    """∃ L ∀ nb T l: L^T(encode l) = encode(bpStep^T l), one-hot codes."""
    return _exists_check("one_hot", False, precision, instances, seed)


def check_exists_layer_binary(precision: int, instances: int, seed: int) -> CheckResult:
    """The same with binary ±1 codes, n <= 2^B."""
    return _exists_check("binary", False, precision, instances, seed)


def check_exists_layer_decode_one_hot(precision: int, instances: int, seed: int) -> CheckResult:
    """∃ L ∀ nb T p: decode(L^T(encode logit p)) = oplus-BP^T p, one-hot codes."""
    return _exists_check("one_hot", True, precision, instances, seed)


def check_exists_layer_decode_binary(precision: int, instances: int, seed: int) -> CheckResult:
    """The decoded statement with binary ±1 codes."""
    return _exists_check("binary", True, precision, instances, seed)


# --- AND and OR --------------------------------------------------------------------------------

def _attention_only(layer: Layer) -> Layer:
    d = layer.width
    zero = np.zeros((d, d), dtype=np.int64)
    return Layer(layer.heads, FFN(zero, np.zeros(d, dtype=np.int64), zero,
                                  np.zeros(d, dtype=np.int64), "linear"), "hard")


def gather_deviation(case, code: str, precision: int, swap: bool = False):
    """After the heads alone, dims 1 and 2 of token j hold l[nb0 j] and l[nb1 j] (gather)."""
    n, width, nb0, nb1, l = case
    layer = _attention_only(explicit_oplus_layer(width, code))
    with mpmath.workdps(precision + GUARD):
        X = encode_oplus_state(nb0, nb1, l, width, code)
        Y = layer_forward(layer, X, "mpmath", precision + GUARD)
        a, b = (nb1, nb0) if swap else (nb0, nb1)
        return max(max(abs(Y[j, 1] - l[a[j]]), abs(Y[j, 2] - l[b[j]])) for j in range(n))


def check_gather(precision: int, instances: int, seed: int) -> CheckResult:
    """AND: the attention block gathers both sources' log-odds into the scratch dims."""
    cases = _both_codes(random.Random(seed), instances)
    return worst_deviation(cases, lambda c: gather_deviation(c[1], c[0], precision))


def ffn_or_deviation(width: int, g, precision: int, wrong: bool = False):
    """The explicit FFN alone on any stream g: dim 0 <- g1 + g2, dims 1, 2 <- 0, rest kept."""
    full = explicit_oplus_layer(width, "binary")
    layer = Layer((), full.ffn, "hard")
    with mpmath.workdps(precision + GUARD):
        Y = layer_forward(layer, np.array([g], dtype=object), "mpmath", precision + GUARD)[0]
        want = [g[1] + g[2] if not wrong else g[1] + g[2] + g[0], 0, 0] + list(g[3:])
        return max(abs(a - b) for a, b in zip(Y, want))


def check_ffn_or(precision: int, instances: int, seed: int) -> CheckResult:
    """OR: the FFN of the explicit layer on arbitrary streams (not only encoded states)."""
    rng = random.Random(seed)
    cases = []
    for _ in range(instances):
        width = rng.randint(1, 6)
        cases.append((width, [_log_odds(rng) for _ in range(3 + 3 * width)]))
    return worst_deviation(cases, lambda c: ffn_or_deviation(c[0], c[1], precision))


# --- matrix families -------------------------------------------------------------------------

def _mv(M, x) -> list:
    return [mpmath.fsum(M[r][c] * x[c] for c in range(len(x))) for r in range(len(M))]


def check_mv_project_dim(precision: int, instances: int, seed: int) -> CheckResult:
    """projectDim D i j x = x_i at row j, 0 elsewhere (any j, also j >= D)."""
    rng = random.Random(seed)
    cases = []
    for _ in range(instances):
        D = rng.randint(1, 12)
        cases.append((D, rng.randrange(D), rng.randrange(D + 3),
                      [_log_odds(rng) for _ in range(D)]))

    def deviation(c):
        D, i, j, x = c
        with mpmath.workdps(precision + GUARD):
            got = _mv(project_dim(D, i, j), x)
            return max(abs(got[r] - (x[i] if r == j else 0)) for r in range(D))
    return worst_deviation(cases, deviation)


def check_mv_cross_project(precision: int, instances: int, seed: int) -> CheckResult:
    """crossProject D B src dst x = x_{r - dst + src} on rows dst <= r < dst + B (src + B <= D)."""
    rng = random.Random(seed)
    cases = []
    for _ in range(instances):
        D = rng.randint(1, 14)
        B = rng.randint(0, D)
        src = rng.randint(0, D - B)
        dst = rng.randint(0, D + 2)
        cases.append((D, B, src, dst, [_log_odds(rng) for _ in range(D)]))

    def deviation(c):
        D, B, src, dst, x = c
        with mpmath.workdps(precision + GUARD):
            got = _mv(cross_project(D, B, src, dst), x)
            return max(abs(got[r] - (x[r - dst + src] if dst <= r < dst + B else 0))
                       for r in range(D))
    return worst_deviation(cases, deviation)


def check_mv_add(precision: int, instances: int, seed: int) -> CheckResult:
    """(A + A') x = A x + A' x on random family sums."""
    rng = random.Random(seed)
    cases = []
    for _ in range(instances):
        D = rng.randint(1, 10)
        A = [[_log_odds(rng) for _ in range(D)] for _ in range(D)]
        A2 = project_dim(D, rng.randrange(D), rng.randrange(D))
        cases.append((A, A2, [_log_odds(rng) for _ in range(D)]))

    def deviation(c):
        A, A2, x = c
        with mpmath.workdps(precision + GUARD):
            S = [[A[r][k] + A2[r][k] for k in range(len(x))] for r in range(len(x))]
            lhs, a, b = _mv(S, x), _mv(A, x), _mv(A2, x)
            scale = 1 + max(abs(v) for v in a + b)
            return max(abs(lhs[r] - a[r] - b[r]) for r in range(len(x))) / scale
    return worst_deviation(cases, deviation)


# --- codes -------------------------------------------------------------------------------------

def routing_violation(code_fn, n: int, B: int) -> int:
    """0 when ``IsRoutingCode`` holds for ``code_fn(k)`` (a list of B numbers), else 1."""
    codes = [[Fraction(v) for v in code_fn(k)] for k in range(n)]
    for x in range(n):
        for y in range(n):
            prods = [codes[x][b] * codes[y][b] for b in range(B)]
            selfs = [codes[x][b] * codes[x][b] for b in range(B)]
            if any(p > s for p, s in zip(prods, selfs)):
                return 1
            if x != y and not any(p < s for p, s in zip(prods, selfs)):
                return 1
    return 0


def check_one_hot_is_routing_code(precision: int, instances: int, seed: int) -> CheckResult:
    """One-hot codes of width n route n indices (exhaustive for n = 0 .. instances)."""
    cases = list(range(instances + 1))
    return worst_deviation(cases, lambda n: routing_violation(lambda k: one_hot_code(k, n), n, n))


def check_bin_code_is_routing_code(precision: int, instances: int, seed: int) -> CheckResult:
    """Binary ±1 codes of width B route every n <= 2^B indices (exhaustive over small B)."""
    rng = random.Random(seed)
    cases = []
    for i in range(instances):
        B = 1 + i % 6
        cases.append((B, rng.randint(0, 2 ** B)))
    cases += [(B, 2 ** B) for B in range(1, 7)]
    return worst_deviation(cases, lambda c: routing_violation(lambda k: binary_code(k, c[0]),
                                                              c[1], c[0]))


# --- any attention kind (softmax at a finite temperature) ----------------------------------------

def _layer_with(rng: random.Random, width: int, code: str):
    hard = explicit_oplus_layer(width, code)
    if rng.random() < 0.25:
        return hard
    return softmax_layer(hard, mpmath.mpf(10) ** rng.uniform(-2, 1.5))


def layer_with_deviation(case, code: str, layer, precision: int, swap: bool = False):
    """|layer(encode l) - encode(∑ α0 l + ∑ α1 l)|, α read off by `implicit.implicit_graph`."""
    n, width, nb0, nb1, l = case
    dps = precision + GUARD
    with mpmath.workdps(dps):
        Y = layer_forward(layer, encode_oplus_state(nb0, nb1, l, width, code), "mpmath", dps)
        Z = encode_oplus_state(nb0, nb1, soft_step(layer, case, code, l, dps, swap), width, code)
        return _max_abs_diff(Y, Z)


def check_layer_with_encode(precision: int, instances: int, seed: int) -> CheckResult:
    """The explicit layer at any attention kind maps encode l to encode(∑ α0 l + ∑ α1 l)."""
    rng = random.Random(seed)
    cases = _both_codes(rng, instances, lambda code, case: (_layer_with(rng, case[1], code),))
    return worst_deviation(cases, lambda c: layer_with_deviation(c[1], c[0], c[2], precision))


def soft_step(layer, case, code: str, l, dps: int, swap: bool = False) -> list:
    """One ``softStep``: ``l_j <- ∑ α0_jk l_k + ∑ α1_jk l_k``, α from `implicit.implicit_graph`
    (``swap``: a false variant for the tests, α0 transposed, i.e. its edges reversed)."""
    n, width, nb0, nb1, _ = case
    X = encode_oplus_state(nb0, nb1, l, width, code)
    A0, A1 = implicit_graph(layer, X, dps=dps).edges
    if swap:
        A0 = [[A0[k][j] for k in range(n)] for j in range(n)]
    return [mpmath.fsum(A0[j][k] * l[k] for k in range(n))
            + mpmath.fsum(A1[j][k] * l[k] for k in range(n)) for j in range(n)]


def check_layer_with_iterate(precision: int, instances: int, seed: int) -> CheckResult:
    """T layers at any attention kind = T applications of ``softStep`` (T in 0..4)."""
    rng = random.Random(seed)
    cases = _both_codes(rng, instances, lambda code, case: (_layer_with(rng, case[1], code),
                                                            rng.randint(0, 4)))

    def deviation(c):
        code, case, layer, T = c
        n, width, nb0, nb1, l = case
        dps = precision + GUARD
        with mpmath.workdps(dps):
            Y = model_forward([layer] * T, encode_oplus_state(nb0, nb1, l, width, code),
                              "mpmath", dps)
            for _ in range(T):
                l = soft_step(layer, case, code, l, dps)
            return _max_abs_diff(Y, encode_oplus_state(nb0, nb1, l, width, code))
    return worst_deviation(cases, deviation)


def check_attn_weights_explicit_indep(precision: int, instances: int, seed: int) -> CheckResult:
    """The explicit heads' weights are the same for any two states with the same sources."""
    rng = random.Random(seed)
    cases = _both_codes(rng, instances, lambda code, case: (
        [_log_odds(rng) for _ in range(case[0])], _layer_with(rng, case[1], code)))

    def deviation(c):
        code, (n, width, nb0, nb1, l), other, layer = c
        dps = precision + GUARD
        with mpmath.workdps(dps):
            E = implicit_graph(layer, encode_oplus_state(nb0, nb1, l, width, code), dps=dps).edges
            F = implicit_graph(layer, encode_oplus_state(nb0, nb1, other, width, code),
                               dps=dps).edges
            return max(abs(a - b) for A, B in zip(E, F) for ra, rb in zip(A, B)
                       for a, b in zip(ra, rb))
    return worst_deviation(cases, deviation)


# --- score gaps (what softmax attention needs) ---------------------------------------------------

def gap_violation(code_fn, n: int, B: int, gap) -> int:
    """0 when ``IsGapCode`` holds with gap ``gap`` for ``code_fn(k)``, else 1 (exact)."""
    if routing_violation(code_fn, n, B):  # the coordinatewise part is the same
        return 1
    codes = [[Fraction(v) for v in code_fn(k)] for k in range(n)]
    for x in range(n):
        for y in range(n):
            if x != y and not any(codes[x][b] * codes[y][b] + gap <= codes[x][b] ** 2
                                  for b in range(B)):
                return 1
    return 0


def check_one_hot_is_gap_code(precision: int, instances: int, seed: int) -> CheckResult:
    """One-hot codes of width n have score gap 1 (exhaustive for n = 0 .. instances)."""
    cases = list(range(instances + 1))
    return worst_deviation(cases, lambda n: gap_violation(lambda k: one_hot_code(k, n), n, n, 1))


def check_bin_code_is_gap_code(precision: int, instances: int, seed: int) -> CheckResult:
    """Binary ±1 codes of width B have score gap 2 for every n <= 2^B."""
    rng = random.Random(seed)
    cases = [(1 + i % 6, None) for i in range(instances)]
    cases = [(B, rng.randint(0, 2 ** B)) for B, _ in cases] + [(B, 2 ** B) for B in range(1, 7)]
    return worst_deviation(cases, lambda c: gap_violation(lambda k: binary_code(k, c[0]),
                                                          c[1], c[0], 2))


def scores(layer, X, head: int):
    """The score matrix ``(Q x_j) . (K x_k)`` of one head, exactly (integer weights and codes)."""
    h = layer.heads[head]
    q = [[sum(Fraction(int(h.query[r, c])) * Fraction(X[j][c]) for c in range(len(X[j])))
          for r in range(h.query.shape[0])] for j in range(len(X))]
    k = [[sum(Fraction(int(h.key[r, c])) * Fraction(X[j][c]) for c in range(len(X[j])))
          for r in range(h.key.shape[0])] for j in range(len(X))]
    return [[sum(a * b for a, b in zip(q[j], k[m])) for m in range(len(X))]
            for j in range(len(X))]


def check_explicit_score_gap(precision: int, instances: int, seed: int) -> CheckResult:
    """Under both explicit heads every wrong key scores at least Δ below the source (Δ = 1
    one-hot, 2 binary), for any state; reports the largest shortfall (exact rationals)."""
    rng = random.Random(seed)
    codes = ["one_hot", "binary"]
    cases = []
    for i in range(instances):
        code = codes[i % 2]
        n, width, nb0, nb1, _ = draw_case(rng, code)
        l = [Fraction(rng.randint(-10 ** 6, 10 ** 6), rng.randint(1, 1000)) for _ in range(n)]
        cases.append((code, n, width, nb0, nb1, l))

    def deviation(c):
        code, n, width, nb0, nb1, l = c
        gap = 1 if code == "one_hot" else 2
        layer = explicit_oplus_layer(width, code)
        X = encode_oplus_state(nb0, nb1, l, width, code)
        worst = Fraction(0)
        for head, nb in ((0, nb0), (1, nb1)):
            S = scores(layer, X, head)
            for j in range(n):
                for k in range(n):
                    if k != nb[j]:
                        worst = max(worst, S[j][k] + gap - S[j][nb[j]])
        return mpmath.mpf(worst.numerator) / worst.denominator
    return worst_deviation(cases, deviation)
