"""Checks of ``lean/TBN/Softmax.lean``: softmax attention against hardmax, quantitatively.

Each ``check_<name>`` mirrors ``TBN.Softmax.<name>``; inequalities report their largest violation
``max(0, lhs - rhs)`` (0 when the statement holds on every instance).  Softmax weights come from
the model's forward pass (`tbn.checks.transformer.attention_row`); inverse temperatures from
`tbn.transformer.softmax.min_inverse_temperature` (the bound of the statement), taken exactly at
the bound and above it, with the other scores exactly ``Δ`` below the top (where the bound is
attained) or further.  The ``T``-layer recursion is exercised on real runs of the explicit layer
with softmax attention (`tbn.transformer.softmax.softmax_layer`) against the hard run, and on the
extremal sequences where every inequality is an equality.
"""
from __future__ import annotations

import random

import mpmath

from ..transformer.softmax import min_inverse_temperature, softmax_layer, top_weight_epsilon
from ..transformer.model import model_forward
from ..transformer.implicit import implicit_graph
from ..transformer.weights import code_width, encode_oplus_state, explicit_oplus_layer
from ._base import CheckResult, worst_deviation
from .transformer import attention_row

__all__ = [
    "GUARD", "top_weight_violation", "gather_violation", "check_softmax_top_ge",
    "check_abs_sum_mul_sub_le", "check_abs_gather_sub_le", "check_error_iterate_le",
    "soft_layer_violation", "check_soft_layer_iterate_error",
    "construction_violation", "check_softmax_construction_error",
]

#: Extra digits of working precision.
GUARD = 20


def _top_case(rng: random.Random):
    """``(scores, m, gap, eps, lam)`` meeting the hypotheses of ``softmax_top_ge``."""
    n = rng.randint(2, 12)
    gap = mpmath.mpf(10) ** rng.uniform(-3, 1)
    eps = mpmath.mpf(10) ** -rng.uniform(0.05, 20)
    m = rng.randrange(n)
    top = mpmath.mpf(rng.uniform(-5, 5))
    tight = rng.random() < 0.4
    s = [top - gap - (0 if tight else mpmath.mpf(rng.uniform(0, 3))) for _ in range(n)]
    s[m] = top
    lam = min_inverse_temperature(n, gap, eps) * (1 if rng.random() < 0.5 else rng.uniform(1, 3))
    return s, m, gap, eps, lam


def _weights(s, lam, dps: int) -> list:
    """Softmax weights of the score row ``s`` read off the model (uniform when lambda = 0, which
    the model does not accept)."""
    if lam > 0:
        return attention_row(s, [0] * len(s), "softmax", lam, dps)[0]
    return [mpmath.mpf(1) / len(s)] * len(s)


def top_weight_violation(case, precision: int, slack=1):
    """``max(0, (1 - eps) - w_m)`` (``slack < 1`` shrinks lambda: a false variant for tests)."""
    s, m, gap, eps, lam = case
    with mpmath.workdps(precision + GUARD):
        alpha = _weights(s, lam * slack, precision + GUARD)
        return max(mpmath.mpf(0), (1 - eps) - alpha[m])


def check_softmax_top_ge(precision: int, instances: int, seed: int) -> CheckResult:
    """Score gap Δ and lambda >= log((n-1)(1-eps)/eps)/Δ give top weight >= 1 - eps."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = [_top_case(rng) for _ in range(instances)]
    return worst_deviation(cases, lambda c: top_weight_violation(c, precision))


def _gather_case(rng: random.Random, carried: bool):
    """Softmax weights with top weight >= 1 - eps, values |b| <= M, a state a within e of b."""
    with mpmath.workdps(60):
        s, m, gap, eps, lam = _top_case(rng)
        M = mpmath.mpf(10) ** rng.uniform(-2, 6)
        extreme = rng.random() < 0.4
        b = [(-M if k != m else M) if extreme else M * mpmath.mpf(rng.uniform(-1, 1))
             for k in range(len(s))]
        e = mpmath.mpf(10) ** rng.uniform(-5, 2) if carried else mpmath.mpf(0)
        a = [bk + e * mpmath.mpf(rng.choice([-1, 1, rng.uniform(-1, 1)])) for bk in b]
        return s, m, eps, lam, M, a, b, e


def gather_violation(case, precision: int, factor=2):
    """``max(0, |∑ w a - b_m| - (e + factor ε M))``; factor < 2 is a false variant."""
    s, m, eps, lam, M, a, b, e = case
    with mpmath.workdps(precision + GUARD):
        w = _weights(s, lam, precision + GUARD)
        eps_use = 1 - w[m]  # the least eps with w_m >= 1 - eps: the strongest instance
        lhs = abs(mpmath.fsum(wk * ak for wk, ak in zip(w, a)) - b[m])
        return max(mpmath.mpf(0), lhs - (e + factor * eps_use * M))


def check_abs_sum_mul_sub_le(precision: int, instances: int, seed: int) -> CheckResult:
    """One head: |∑ w v - v_m| <= 2 eps M for softmax weights with top weight >= 1 - eps."""
    rng = random.Random(seed)
    cases = [_gather_case(rng, False) for _ in range(instances)]
    return worst_deviation(cases, lambda c: gather_violation(c, precision))


def check_abs_gather_sub_le(precision: int, instances: int, seed: int) -> CheckResult:
    """One head from a perturbed state: |∑ w a - b_m| <= e + 2 eps M."""
    rng = random.Random(seed)
    cases = [_gather_case(rng, True) for _ in range(instances)]
    return worst_deviation(cases, lambda c: gather_violation(c, precision))


def _softmax_run(rng: random.Random, precision: int):
    """Sequences (e_t, m_t, eps) from the explicit layer with softmax vs hard attention."""
    code = rng.choice(["one_hot", "binary"])
    n = rng.randint(2, 6)
    width = code_width(n, code)
    gap = mpmath.mpf(1) if code == "one_hot" else mpmath.mpf(2)  # score gap of the codes
    nb0 = [rng.randrange(n) for _ in range(n)]
    nb1 = [rng.randrange(n) for _ in range(n)]
    T = rng.randint(1, 4)
    hard = explicit_oplus_layer(width, code)
    with mpmath.workdps(precision + GUARD):
        lam = mpmath.mpf(rng.uniform(2, 40))
        eps = top_weight_epsilon(n, gap, lam)
        l = [mpmath.mpf(rng.uniform(-8, 8)) for _ in range(n)]
        X = encode_oplus_state(nb0, nb1, l, width, code)
        soft = softmax_layer(hard, lam)
        e, m = [], []
        for t in range(T + 1):
            Yh = model_forward([hard] * t, X, "mpmath", precision + GUARD)
            Ys = model_forward([soft] * t, X, "mpmath", precision + GUARD)
            e.append(max(abs(Ys[j, 0] - Yh[j, 0]) for j in range(n)))
            m.append(max(abs(Yh[j, 0]) for j in range(n)))
        return e, m, eps, T


def iterate_violation(e, m, eps, T):
    """0 if the hypotheses fail (vacuous) or the conclusion holds; else the excess."""
    hyp = (e[0] <= 0 and eps >= 0
           and all(e[t + 1] <= 2 * e[t] + 4 * (eps * m[t]) for t in range(T))
           and all(m[t] <= 2 ** t * m[0] for t in range(T + 1)))
    if not hyp:
        return mpmath.mpf(0)
    return max(mpmath.mpf(0), e[T] - T * 2 ** (T + 1) * eps * m[0])


def check_error_iterate_le(precision: int, instances: int, seed: int) -> CheckResult:
    """e_T <= T 2^(T+1) eps m_0, on softmax runs of the explicit layer and extremal sequences."""
    rng = random.Random(seed)
    cases = []
    for i in range(instances):
        if i % 2 == 0:
            cases.append(("run", _softmax_run(rng, precision)))
        else:  # the extremal sequences: every hypothesis an equality
            with mpmath.workdps(precision + GUARD):
                T = rng.randint(0, 12)
                eps = mpmath.mpf(10) ** -rng.uniform(0, 30)
                m = [2 ** t * mpmath.mpf(rng.uniform(0, 100)) for t in range(1)]
                m = [2 ** t * m[0] for t in range(T + 1)]
                e = [mpmath.mpf(0)]
                for t in range(T):
                    e.append(2 * e[t] + 4 * (eps * m[t]))
                cases.append(("extremal", (e, m, eps, T)))

    def deviation(c):
        e, m, eps, T = c[1]
        with mpmath.workdps(precision + GUARD):
            return iterate_violation(e, m, eps, T)
    return worst_deviation(cases, deviation)


def _draw_state(rng: random.Random, n_min: int, n_max: int = 7):
    """``(code, n, width, nb0, nb1, l)``: a random code, ``n_min <= n <= n_max`` tokens with
    random sources and log-odds in [-10, 10] (exact floats, so the same at every precision)."""
    code = rng.choice(["one_hot", "binary"])
    n = rng.randint(n_min, n_max)
    nb0 = [rng.randrange(n) for _ in range(n)]
    nb1 = [rng.randrange(n) for _ in range(n)]
    l = [mpmath.mpf(rng.uniform(-10, 10)) for _ in range(n)]
    return code, n, code_width(n, code), nb0, nb1, l


def _excess(nb0, nb1, l, T: int, got, eps, factor) -> mpmath.mpf:
    """``max(0, max_j |got_j - (bpStep^T l)_j| - factor T 2^(T+1) ε M)`` with ``M = max |l|``."""
    exact = list(l)
    for _ in range(T):
        exact = [exact[nb0[j]] + exact[nb1[j]] for j in range(len(l))]
    bound = factor * T * 2 ** (T + 1) * eps * max(abs(v) for v in l)
    return max(max(abs(g - e) for g, e in zip(got, exact)) - bound, mpmath.mpf(0))


def soft_layer_violation(case, precision: int, factor=1):
    """``max(0, |softStep^T l - bpStep^T l| - factor T 2^(T+1) ε M)`` over all tokens.

    ``ε`` is the least one the hypotheses allow: ``1 -`` the smallest weight a head puts on its
    source, read off `implicit.implicit_graph` (the weights do not depend on the state).
    ``factor < 1`` is a false variant for the tests.
    """
    code, n, width, nb0, nb1, l, layer, T = case
    dps = precision + GUARD
    with mpmath.workdps(dps):
        X = encode_oplus_state(nb0, nb1, l, width, code)
        A0, A1 = implicit_graph(layer, X, dps=dps).edges
        eps = max(max(1 - A0[j][nb0[j]], 1 - A1[j][nb1[j]]) for j in range(n))
        Y = model_forward([layer] * T, X, "mpmath", dps)
        return _excess(nb0, nb1, l, T, [Y[j, 0] for j in range(n)], eps, factor)


def check_soft_layer_iterate_error(precision: int, instances: int, seed: int) -> CheckResult:
    """T softmax layers of the explicit construction stay within T 2^(T+1) ε M of T BP rounds."""
    rng = random.Random(seed)
    cases = []
    for _ in range(instances):
        code, n, width, nb0, nb1, l = _draw_state(rng, 1)
        with mpmath.workdps(precision + GUARD):
            lam = mpmath.mpf(10) ** rng.uniform(-1, 1.7)
        layer = softmax_layer(explicit_oplus_layer(width, code), lam)
        cases.append((code, n, width, nb0, nb1, l, layer, rng.randint(0, 5)))
    return worst_deviation(cases, lambda c: soft_layer_violation(c, precision))


def construction_violation(case, precision: int, factor=1):
    """``max(0, |softStep^T l - bpStep^T l| - factor T 2^(T+1) ε M)`` with λ from the bound.

    ``case = (code, n, width, nb0, nb1, l, eps, T)``; the gap is 1 (one-hot) or 2 (binary) and
    ``λ = min_inverse_temperature(n, gap, eps)``, the smallest the theorem allows.
    """
    code, n, width, nb0, nb1, l, eps, T = case
    dps = precision + GUARD
    with mpmath.workdps(dps):
        gap = mpmath.mpf(1) if code == "one_hot" else mpmath.mpf(2)
        lam = min_inverse_temperature(n, gap, eps)
        hard = explicit_oplus_layer(width, code)
        layer = softmax_layer(hard, lam) if lam > 0 else None
        X = encode_oplus_state(nb0, nb1, l, width, code)
        if layer is None:  # lambda = 0: uniform weights; the model needs lambda > 0
            Y = [list(l)]
            cur = list(l)
            for _ in range(T):
                avg = mpmath.fsum(cur) / n
                cur = [2 * avg] * n
            got = cur
        else:
            Y = model_forward([layer] * T, X, "mpmath", dps)
            got = [Y[j, 0] for j in range(n)]
        return _excess(nb0, nb1, l, T, got, eps, factor)


def check_softmax_construction_error(precision: int, instances: int, seed: int) -> CheckResult:
    """Codes with a score gap and λ = log((n-1)(1-ε)/ε)/Δ: T softmax layers within T 2^(T+1) ε M."""
    rng = random.Random(seed)
    cases = []
    for _ in range(instances):
        code, n, width, nb0, nb1, l = _draw_state(rng, 2)
        with mpmath.workdps(precision + GUARD):
            eps = mpmath.mpf(10) ** -rng.uniform(0.05, 12)
        cases.append((code, n, width, nb0, nb1, l, eps, rng.randint(0, 5)))
    return worst_deviation(cases, lambda c: construction_violation(c, precision))
