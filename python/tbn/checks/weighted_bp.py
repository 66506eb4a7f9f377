"""Checks of ``lean/TBN/WeightedBP.lean``: one layer decoded = one round of weighted BP (SPEC 3.5).

Each ``check_<name>`` mirrors ``TBN.WeightedBP.<name>``.  Layers are drawn from the class of the
Lean statement (any queries and keys, hard or softmax attention, value matrices that read dim 0
only, a sigmoid FFN, the decoded belief a hidden unit): random real weights, and small integer
weights that make hard-attention ties common.  The left side is the model's own forward pass
(`tbn.transformer.model.layer_hidden` through `implicit.decoded_beliefs`); the right side is
`implicit.weighted_bp_round` on `implicit.implicit_graph`, which reads the graph off the weights
and the input separately.  Convexity statements report the largest violation (a negative edge or
a row sum off 1).
"""
from __future__ import annotations

import random

import mpmath
import numpy as np

from ..transformer.implicit import decoded_beliefs, implicit_graph, weighted_bp_round
from ..transformer.model import FFN, Head, Layer
from ._base import CheckResult, worst_deviation

__all__ = [
    "GUARD", "draw_bp_layer", "check_unit_out_eq_wbp_round", "check_attn_weights_nonneg",
    "check_sum_attn_weights", "check_implicit_graph_is_convex",
]

#: Extra digits of working precision.
GUARD = 20


def _entry(rng: random.Random, integer: bool):
    if integer:
        return rng.randint(-2, 2)
    return mpmath.mpf(rng.gauss(0, 1)) * (10 ** rng.randint(-3, 1))


def draw_bp_layer(rng: random.Random):
    """``(layer, X, unit)``: a layer of the class, an input of n tokens, a sigmoid unit."""
    integer = rng.random() < 0.4
    H, D, F = rng.randint(1, 3), rng.randint(1, 6), rng.randint(1, 3)
    n = rng.randint(1, 6)
    heads = []
    for _ in range(H):
        P = rng.randint(1, 3)
        q = np.array([[_entry(rng, integer) for _ in range(D)] for _ in range(P)], dtype=object)
        k = np.array([[_entry(rng, integer) for _ in range(D)] for _ in range(P)], dtype=object)
        v = np.zeros((D, D), dtype=object)
        for r in range(D):
            v[r, 0] = _entry(rng, integer)  # reads dim 0 only
        heads.append(Head(q, k, v))
    w1 = np.array([[_entry(rng, integer) for _ in range(D)] for _ in range(F)], dtype=object)
    b1 = np.array([_entry(rng, integer) for _ in range(F)], dtype=object)
    w2 = np.array([[_entry(rng, integer) for _ in range(F)] for _ in range(D)], dtype=object)
    b2 = np.array([_entry(rng, integer) for _ in range(D)], dtype=object)
    if rng.random() < 0.5:
        attention, lam = "hard", None
    else:
        attention, lam = "softmax", mpmath.mpf(10) ** rng.uniform(-2, 2)
    layer = Layer(tuple(heads), FFN(w1, b1, w2, b2, "sigmoid"), attention, lam)
    X = np.array([[_entry(rng, integer) for _ in range(D)] for _ in range(n)], dtype=object)
    return layer, X, rng.randrange(F)


def _layers(seed: int, instances: int) -> list:
    """The instances every check of this module runs on: ``instances`` layers from ``seed``."""
    rng = random.Random(seed)
    return [draw_bp_layer(rng) for _ in range(instances)]


def unit_out_deviation(case, precision: int, perturb=None):
    """|decoded unit u of the layer - weighted BP round on G(W, x)| over all tokens.

    ``perturb`` (for the tests) edits the graph before the round: a false variant of the statement.
    """
    layer, X, u = case
    dps = precision + GUARD
    with mpmath.workdps(dps):
        lhs = decoded_beliefs(layer, X, unit=u, dps=dps)
        graph = implicit_graph(layer, X, unit=u, dps=dps)
        if perturb is not None:
            graph = perturb(graph)
        rhs = weighted_bp_round(graph, [mpmath.mpf(x) for x in np.asarray(X)[:, 0]])
        return max(abs(mpmath.mpf(a) - b) for a, b in zip(lhs, rhs))


def check_unit_out_eq_wbp_round(precision: int, instances: int, seed: int) -> CheckResult:
    """One layer of the class, decoded, is one round of weighted BP on G(W, x)."""
    cases = _layers(seed, instances)
    return worst_deviation(cases, lambda c: unit_out_deviation(c, precision))


def _edges(case, precision: int):
    layer, X, u = case
    with mpmath.workdps(precision + GUARD):
        return implicit_graph(layer, X, unit=u, dps=precision + GUARD).edges


def _most_negative(edges):
    """How far the smallest edge weight is below 0 (0 when none is)."""
    return max(max(-a, 0) for A in edges for row in A for a in row)


def _worst_row_sum(edges):
    """How far the in-edge weights of the worst node sum from 1."""
    return max(abs(mpmath.fsum(row) - 1) for A in edges for row in A)


def check_attn_weights_nonneg(precision: int, instances: int, seed: int) -> CheckResult:
    """Attention weights of either kind are >= 0 (largest negative part)."""
    cases = _layers(seed, instances)
    return worst_deviation(cases, lambda c: _most_negative(_edges(c, precision)))


def check_sum_attn_weights(precision: int, instances: int, seed: int) -> CheckResult:
    """Attention weights of either kind sum to 1 over the keys."""
    cases = _layers(seed, instances)

    def deviation(c):
        with mpmath.workdps(precision + GUARD):
            return _worst_row_sum(_edges(c, precision))
    return worst_deviation(cases, deviation)


def check_implicit_graph_is_convex(precision: int, instances: int, seed: int) -> CheckResult:
    """Every node's in-edges of every edge set form a convex combination."""
    cases = _layers(seed, instances)

    def deviation(c):
        with mpmath.workdps(precision + GUARD):
            edges = _edges(c, precision)
            return max(_most_negative(edges), _worst_row_sum(edges))
    return worst_deviation(cases, deviation)
