"""Checks of ``lean/TBN/Uniqueness.lean``: what the weights determine and what they do not (SPEC 3.6).

* FFN identifiability: for random affinely independent triples (some nearly collinear), the
  three equations ``sigma(w0 x_i + w1 y_i + b) = sigma(x_i + y_i)`` are solved numerically for
  ``(w0, w1, b)`` (through ``logit``) and the solution is compared with ``(1, 1, 0)``; random other
  parameters are confirmed to violate at least one equation.
* Routing: the weights are solved from the basis states and compared with the indicator, which is
  also confirmed to gather exactly on random states; random convex non-indicator weights are
  confirmed to fail on some state.
* Scores: ``score(tQ, K/t) = score(Q, K)`` for random matrices and scales ``t`` from 1e-20 to 1e20
  of either sign, and the pairs are confirmed to differ.

Numbers are evaluated at ``precision + GUARD`` digits with `tbn.algebra`'s mpmath forms.
"""
from __future__ import annotations

import random

import mpmath

from ..algebra import mp_logit, mp_sigmoid
from ._base import CheckResult, worst_deviation
from .log_odds import GUARD, relative_deviation

__all__ = ["score", "solve_ffn_params", "check_ffn_params_eq_of_three_points",
           "check_ffn_params_eq_of_forall", "check_routing_unique", "check_score_scale",
           "check_qk_not_unique", "check_literal_uniqueness_false"]


def score(Q, K, x, y) -> mpmath.mpf:
    """``score Q K x y = sum_i (sum_c Q[i][c] x[c]) (sum_c K[i][c] y[c])``."""
    return mpmath.fsum(mpmath.fsum(q * v for q, v in zip(Q[i], x))
                       * mpmath.fsum(k * v for k, v in zip(K[i], y)) for i in range(len(Q)))


def solve_ffn_params(points) -> list:
    """The (w0, w1, b) with sigma(w0 x + w1 y + b) = sigma(x + y) at three points, by logit."""
    A = mpmath.matrix([[x, y, 1] for x, y in points])
    rhs = mpmath.matrix([mp_logit(mp_sigmoid(x + y)) for x, y in points])
    return list(mpmath.lu_solve(A, rhs))


def _three_points(rng: random.Random):
    """Three affinely independent points, some nearly collinear (determinant down to 1e-6)."""
    while True:
        pts = [(mpmath.mpf(rng.gauss(0, 3)), mpmath.mpf(rng.gauss(0, 3))) for _ in range(2)]
        if rng.random() < 0.2:  # nearly on the line through the first two
            t, eps = mpmath.mpf(rng.uniform(-2, 2)), mpmath.mpf(10) ** -rng.randint(3, 6)
            pts.append((pts[0][0] + t * (pts[1][0] - pts[0][0]) + eps,
                        pts[0][1] + t * (pts[1][1] - pts[0][1])))
        else:
            pts.append((mpmath.mpf(rng.gauss(0, 3)), mpmath.mpf(rng.gauss(0, 3))))
        (x1, y1), (x2, y2), (x3, y3) = pts
        if (x2 - x1) * (y3 - y1) - (x3 - x1) * (y2 - y1) != 0:
            return pts


def _other_params(rng: random.Random):
    """Parameters other than (1, 1, 0): one coordinate perturbed, sometimes by only 1e-20."""
    params = [mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf(0)]
    i = rng.randrange(3)
    params[i] += (mpmath.mpf(10) ** -20) if rng.random() < 0.3 else mpmath.mpf(rng.gauss(0, 2))
    return params


def _all_hold(params, points) -> bool:
    w0, w1, b = params
    return all(mp_sigmoid(w0 * x + w1 * y + b) == mp_sigmoid(x + y) for x, y in points)


def _ffn_deviation(points, params) -> mpmath.mpf:
    """Distance of the solved parameters from (1, 1, 0), or 1 if other parameters fit all points."""
    solved = solve_ffn_params(points)
    gap = max(abs(s - t) for s, t in zip(solved, (1, 1, 0)))
    return max(gap, 1 if _all_hold(params, points) else 0)


def check_ffn_params_eq_of_three_points(precision: int, instances: int, seed: int) -> CheckResult:
    """Agreement with sigma(x + y) at three affinely independent points forces (1, 1, 0)."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = [(_three_points(rng), _other_params(rng)) for _ in range(instances)]
        return worst_deviation(cases, lambda c: _ffn_deviation(*c))


def check_ffn_params_eq_of_forall(precision: int, instances: int, seed: int) -> CheckResult:
    """Agreement with sigma(x + y) everywhere forces (1, 1, 0): solved at (0,0), (1,0), (0,1),
    where every other parameter vector already disagrees."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        corners = [(mpmath.mpf(0), mpmath.mpf(0)), (mpmath.mpf(1), mpmath.mpf(0)),
                   (mpmath.mpf(0), mpmath.mpf(1))]
        cases = [_other_params(rng) for _ in range(instances)]
        return worst_deviation(cases, lambda params: _ffn_deviation(corners, params))


def check_routing_unique(precision: int, instances: int, seed: int) -> CheckResult:
    """Weights that gather s_m for every state s are the indicator of m."""
    rng = random.Random(seed)

    def deviation(case):
        n, m, state, convex = case
        indicator = [mpmath.mpf(1 if k == m else 0) for k in range(n)]
        # Solve sum_k a_k s_k = s_m on the n basis states: a_k = (e_k)_m.
        basis = mpmath.eye(n)
        solved = mpmath.lu_solve(basis, mpmath.matrix([basis[k, m] for k in range(n)]))
        gap = max(abs(solved[k] - indicator[k]) for k in range(n))
        gathers = abs(mpmath.fsum(a * s for a, s in zip(indicator, state)) - state[m])
        impostor_passes = convex != indicator and all(
            mpmath.fsum(a * s for a, s in zip(convex, basis_state)) == basis_state[m]
            for basis_state in ([basis[i, k] for k in range(n)] for i in range(n)))
        return max(gap, gathers, 1 if impostor_passes else 0)

    def draw():
        n = rng.randint(1, 10)
        m = rng.randrange(n)
        raw = [mpmath.mpf(rng.random()) for _ in range(n)]
        total = mpmath.fsum(raw)
        return n, m, [mpmath.mpf(rng.gauss(0, 10)) for _ in range(n)], [r / total for r in raw]
    with mpmath.workdps(precision + GUARD):
        cases = [draw() for _ in range(instances)]
        return worst_deviation(cases, deviation)


def _matrix(rng: random.Random, rows: int, cols: int) -> list:
    return [[mpmath.mpf(rng.gauss(0, 2)) for _ in range(cols)] for _ in range(rows)]


def _scale(rng: random.Random) -> mpmath.mpf:
    sign = -1 if rng.random() < 0.3 else 1
    return sign * mpmath.mpf(10) ** rng.uniform(-20, 20)


def _scaled(t, M) -> list:
    return [[t * v for v in row] for row in M]


def check_score_scale(precision: int, instances: int, seed: int) -> CheckResult:
    """score(t Q, K / t) = score(Q, K) for t != 0."""
    rng = random.Random(seed)

    def draw():
        d, D = rng.randint(1, 5), rng.randint(1, 5)
        return (_matrix(rng, d, D), _matrix(rng, d, D), _scale(rng),
                [mpmath.mpf(rng.gauss(0, 3)) for _ in range(D)],
                [mpmath.mpf(rng.gauss(0, 3)) for _ in range(D)])
    with mpmath.workdps(precision + GUARD):
        cases = [draw() for _ in range(instances)]
        return worst_deviation(cases, lambda c: relative_deviation(
            score(_scaled(c[2], c[0]), _scaled(1 / c[2], c[1]), c[3], c[4]),
            score(c[0], c[1], c[3], c[4])))


def _pair_differs_same_scores(rng, Q, K) -> mpmath.mpf:
    """(2Q, K/2) differs from (Q, K) and has the same score on random inputs."""
    Q2, K2 = _scaled(2, Q), _scaled(mpmath.mpf(1) / 2, K)
    D = len(Q[0])
    x, y = ([mpmath.mpf(rng.gauss(0, 3)) for _ in range(D)] for _ in range(2))
    differs = (Q2, K2) != (Q, K)
    return max(relative_deviation(score(Q2, K2, x, y), score(Q, K, x, y)), 0 if differs else 1)


def check_qk_not_unique(precision: int, instances: int, seed: int) -> CheckResult:
    """For Q != 0 the pair (2Q, K/2) differs from (Q, K) and gives the same scores."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = []
        for _ in range(instances):
            d, D = rng.randint(1, 5), rng.randint(1, 5)
            Q = [[mpmath.mpf(0)] * D for _ in range(d)]
            Q[rng.randrange(d)][rng.randrange(D)] = mpmath.mpf(rng.gauss(0, 2)) or mpmath.mpf(1)
            if rng.random() < 0.5:
                Q = _matrix(rng, d, D)
            cases.append((Q, _matrix(rng, d, D)))
        return worst_deviation(cases, lambda c: _pair_differs_same_scores(rng, *c))


def check_literal_uniqueness_false(precision: int, instances: int, seed: int) -> CheckResult:
    """The all-ones head and its rescaling are two different (Q, K) with identical scores."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = [(d, D) for d in range(1, 5) for D in range(1, 5)]
        ones = lambda d, D: [[mpmath.mpf(1)] * D for _ in range(d)]
        return worst_deviation(cases, lambda c: _pair_differs_same_scores(
            rng, ones(*c), ones(*c)))
