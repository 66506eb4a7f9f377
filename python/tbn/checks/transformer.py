"""Checks of ``lean/TBN/Transformer.lean``: hard and softmax attention weights (SPEC 3.3).

Each ``check_<name>`` mirrors ``TBN.Transformer.<name>``.  The weights are read off the Python
model itself (`tbn.transformer.model.layer_forward`, mpmath backend): one head on tokens
``x_k = (s_k, 1, v_k, e_k)`` whose query reads the constant 1, whose key reads ``s_k`` (so the
score row is exactly ``s``) and whose value copies ``v_k`` and the one-hot ``e_k``; token 0's
output then holds ``∑ α_k v_k`` and every ``α_k``.  Score rows are random with unique maxima
separated by as little as 1e-30, with ties (for the argmax-set statements), and with spreads up to
1e6; inverse temperatures range over 1e-3 .. 1e3 (the Python model requires lam > 0; the Lean
statements about softmax hold for every real lam, and lam <= 0 is evaluated from the formula).
"""
from __future__ import annotations

import random

import mpmath
import numpy as np

from ..transformer.model import FFN, Head, Layer, layer_forward
from ._base import CheckResult, worst_deviation

__all__ = [
    "GUARD", "attention_row", "check_hard_weights_of_unique_max", "check_sum_hard_weights_mul",
    "check_hard_weights_nonneg", "check_sum_hard_weights", "check_softmax_weights_pos",
    "check_sum_softmax_weights",
]

#: Extra digits of working precision.
GUARD = 20


def attention_row(scores, values, kind: str, lam, precision: int):
    """``(α, ∑ α_k v_k)`` of one query whose score row is ``scores``, via the Python model.

    Dims: 0 score, 1 constant 1, 2 value, 3 gathered value, ``4 .. 4+n-1`` one-hot ``e_k``,
    ``4+n .. 4+2n-1`` gathered ``α``: the value matrix writes into dims that are zero in every
    token, so the residual connection adds nothing there and tiny weights are read exactly.
    """
    n = len(scores)
    d = 4 + 2 * n
    q = np.zeros((d, d), dtype=object)
    k = np.zeros((d, d), dtype=object)
    v = np.zeros((d, d), dtype=object)
    q[0, 1] = 1          # Q x_j = (1, 0, ...)
    k[0, 0] = 1          # K x_k = (s_k, 0, ...): score s_k
    v[3, 2] = 1          # V copies v_k into dim 3 ...
    for i in range(n):
        v[4 + n + i, 4 + i] = 1      # ... and e_k into the alpha block
    zero = np.zeros((d, d), dtype=object)
    layer = Layer((Head(q, k, v),),
                  FFN(zero, np.zeros(d, dtype=object), zero, np.zeros(d, dtype=object), "linear"),
                  kind, lam if kind == "softmax" else None)
    X = np.zeros((n, d), dtype=object)
    for i in range(n):
        X[i, 0], X[i, 1], X[i, 2], X[i, 4 + i] = scores[i], 1, values[i], 1
    Y = layer_forward(layer, X, "mpmath", precision)
    return [Y[0, 4 + n + i] for i in range(n)], Y[0, 3]


def _score(rng: random.Random) -> mpmath.mpf:
    kind, sign = rng.random(), (-1 if rng.random() < 0.5 else 1)
    if kind < 0.2:
        return mpmath.mpf(0)
    if kind < 0.8:
        return sign * mpmath.mpf(rng.uniform(0, 20))
    return sign * mpmath.mpf(10) ** rng.randint(2, 6)


def _unique_max_case(rng: random.Random):
    """Scores with a unique strict maximiser m, the runner-up sometimes 1e-30 below it."""
    n = rng.randint(1, 9)
    s = [_score(rng) for _ in range(n)]
    m = rng.randrange(n)
    top = max(s) + (mpmath.mpf(10) ** -rng.randint(1, 30) if rng.random() < 0.5 else 1)
    s[m] = top
    values = [_score(rng) for _ in range(n)]
    return s, m, values


def _tied_case(rng: random.Random):
    """Scores where several tokens share the maximum."""
    n = rng.randint(1, 9)
    s = [_score(rng) for _ in range(n)]
    top = max(s)
    for i in rng.sample(range(n), rng.randint(1, n)):
        s[i] = top
    return s


def _unique_max_check(precision: int, instances: int, seed: int, measure) -> CheckResult:
    """The worst ``measure(alpha, out, m, v)`` of hard attention over score rows with a unique
    maximiser m (drawn at the working precision: the runner-up can be 1e-30 below the top)."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = [_unique_max_case(rng) for _ in range(instances)]

    def deviation(c):
        s, m, v = c
        with mpmath.workdps(precision + GUARD):
            alpha, out = attention_row(s, v, "hard", None, precision + GUARD)
            return measure(alpha, out, m, v)
    return worst_deviation(cases, deviation)


def check_hard_weights_of_unique_max(precision: int, instances: int, seed: int) -> CheckResult:
    """A unique strict maximiser m gets weight 1, every other token 0."""
    return _unique_max_check(precision, instances, seed, lambda alpha, out, m, v: max(
        abs(a - (1 if i == m else 0)) for i, a in enumerate(alpha)))


def check_sum_hard_weights_mul(precision: int, instances: int, seed: int) -> CheckResult:
    """Hard attention with a unique maximiser m returns v_m exactly."""
    return _unique_max_check(precision, instances, seed,
                             lambda alpha, out, m, v: abs(out - v[m]) / (1 + abs(v[m])))


def _hard_weights(s, precision):
    """The hard-attention weights of the score row ``s`` (the values play no part)."""
    alpha, _ = attention_row(s, [0] * len(s), "hard", None, precision)
    return alpha


def _weights_check(precision: int, instances: int, seed: int, draw, weights,
                   measure) -> CheckResult:
    """The worst ``measure(weights(case, dps))`` over ``instances`` cases from ``draw(rng)``."""
    rng = random.Random(seed)
    cases = [draw(rng) for _ in range(instances)]

    def deviation(c):
        with mpmath.workdps(precision + GUARD):
            return measure(weights(c, precision + GUARD))
    return worst_deviation(cases, deviation)


def check_hard_weights_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """Every hard weight is >= 0 (reported as the largest negative part), ties included."""
    return _weights_check(precision, instances, seed, _tied_case, _hard_weights,
                          lambda alpha: max(max(-a, 0) for a in alpha))


def check_sum_hard_weights(precision: int, instances: int, seed: int) -> CheckResult:
    """Hard weights sum to 1 (n >= 1), ties shared uniformly."""
    return _weights_check(precision, instances, seed, _tied_case, _hard_weights,
                          lambda alpha: abs(mpmath.fsum(alpha) - 1))


def _lam(rng: random.Random) -> mpmath.mpf:
    return mpmath.mpf(10) ** rng.uniform(-3, 3)


def _softmax_formula(lam, s):
    z = [mpmath.exp(lam * x) for x in s]
    total = mpmath.fsum(z)
    return [w / total for w in z]


def _softmax_case(rng: random.Random):
    n = rng.randint(1, 9)
    s = [_score(rng) for _ in range(n)]
    lam = _lam(rng) * (-1 if rng.random() < 0.2 else 1) if rng.random() < 0.9 else mpmath.mpf(0)
    return lam, s


def _softmax_weights(case, precision):
    """The softmax weights of ``case = (lam, s)``: from the model when lam > 0, else from the
    formula (the model requires lam > 0)."""
    lam, s = case
    if lam > 0:
        alpha, _ = attention_row(s, [0] * len(s), "softmax", lam, precision)
        return alpha
    return _softmax_formula(lam, s)


def check_softmax_weights_pos(precision: int, instances: int, seed: int) -> CheckResult:
    """Softmax weights are > 0 (reported 0 when all are, 1 otherwise), even for 1e6 score gaps."""
    return _weights_check(precision, instances, seed, _softmax_case, _softmax_weights,
                          lambda alpha: 0 if all(w > 0 for w in alpha) else 1)


def check_sum_softmax_weights(precision: int, instances: int, seed: int) -> CheckResult:
    """Softmax weights sum to 1 (n >= 1), for any inverse temperature."""
    return _weights_check(precision, instances, seed, _softmax_case, _softmax_weights,
                          lambda alpha: abs(mpmath.fsum(alpha) - 1))
