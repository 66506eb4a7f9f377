"""Checks of ``lean/TBN/TuringGood.lean``: Turing-Good weight of evidence (SPEC 3.1).

The Lean file computes posteriors by Bayes' rule from the joint weight of the hypothesis and the
observed items.  The checks go further back, to a full joint distribution: a binary hypothesis
``H`` with prior ``p`` and ``k`` binary evidence variables, conditionally independent given ``H``
with ``P(E_i = 1 | H = h) = theta[h][i]``.  The full joint over ``(H, E_1, ..., E_k)`` is tabulated
(``2^(k+1)`` entries) and every posterior is obtained by summing it: ``P(H | e_s)`` sums out the
items outside ``s``, ``P(H | e_i)`` sums out all items but ``i``.  The likelihoods of the observed
values play the role of the Lean file's ``L h i``.  Priors and likelihoods come within 1e-12 of
0 and 1, so posteriors reach the extremes.
"""
from __future__ import annotations

import itertools
import random

import mpmath

from ..algebra import mp_logit
from ._base import CheckResult, worst_deviation
from .log_odds import GUARD, relative_deviation

__all__ = ["random_model", "full_joint", "posterior_from_joint", "likelihoods",
           "check_logit_div_add", "check_logit_eq_log_sub_log", "check_logit_posterior",
           "check_turing_good"]

#: Largest number of evidence variables (the joint has 2^(k+1) entries).
MAX_ITEMS = 6
#: Each prior or likelihood ratio is at most 1e12, so posterior odds reach 1e84 and
#: ``1 - posterior`` cancels up to 84 digits: this many extra digits cover it.
EXTREME_DIGITS = 12 * (MAX_ITEMS + 1)


def _working_digits(precision: int) -> int:
    return precision + GUARD + EXTREME_DIGITS


def _draw_unit(rng: random.Random) -> mpmath.mpf:
    """A probability in (0, 1), sometimes within 1e-12 of an end."""
    kind = rng.random()
    if kind < 0.1:
        return mpmath.mpf(10) ** -rng.randint(3, 12)
    if kind < 0.2:
        return 1 - mpmath.mpf(10) ** -rng.randint(3, 12)
    return mpmath.mpf(rng.uniform(0.01, 0.99))


def random_model(rng: random.Random):
    """(prior p, theta[h][i] = P(E_i = 1 | H = h), observed values, observed subset s)."""
    k = rng.randint(1, MAX_ITEMS)
    prior = _draw_unit(rng)
    theta = {h: [_draw_unit(rng) for _ in range(k)] for h in (False, True)}
    observed = [rng.randint(0, 1) for _ in range(k)]
    subset = frozenset(i for i in range(k) if rng.random() < 0.7)
    return prior, theta, observed, subset


def full_joint(prior, theta, k: int) -> dict:
    """P(H = h, E = e) for every h and every e in {0,1}^k, by the chain rule."""
    table = {}
    for h in (False, True):
        for e in itertools.product((0, 1), repeat=k):
            weight = prior if h else 1 - prior
            for i, value in enumerate(e):
                weight *= theta[h][i] if value else 1 - theta[h][i]
            table[(h, e)] = weight
    return table


def posterior_from_joint(table: dict, observed, subset) -> mpmath.mpf:
    """P(H = 1 | E_i = observed_i for i in subset), summing the joint over everything else."""
    mass = {False: mpmath.mpf(0), True: mpmath.mpf(0)}
    for (h, e), weight in table.items():
        if all(e[i] == observed[i] for i in subset):
            mass[h] += weight
    return mass[True] / (mass[True] + mass[False])


def likelihoods(theta, observed, h: bool) -> list:
    """P(E_i = observed_i | H = h) for every item: the Lean file's ``L h i``."""
    return [theta[h][i] if observed[i] else 1 - theta[h][i] for i in range(len(observed))]


def _run(precision: int, instances: int, seed: int, deviation) -> CheckResult:
    rng = random.Random(seed)
    with mpmath.workdps(_working_digits(precision)):
        cases = [random_model(rng) for _ in range(instances)]
        return worst_deviation(cases, lambda case: deviation(*case))


def check_logit_div_add(precision: int, instances: int, seed: int) -> CheckResult:
    """logit(A / (A + B)) = log A - log B for A, B > 0 (A, B from 1e-30 to 1e30)."""
    def draw(rng):
        return tuple(mpmath.mpf(10) ** rng.uniform(-30, 30) for _ in range(2))
    rng = random.Random(seed)
    with mpmath.workdps(_working_digits(precision)):
        cases = [draw(rng) for _ in range(instances)]
        return worst_deviation(cases, lambda c: relative_deviation(
            mp_logit(c[0] / (c[0] + c[1])), mpmath.log(c[0]) - mpmath.log(c[1])))


def check_logit_eq_log_sub_log(precision: int, instances: int, seed: int) -> CheckResult:
    """logit p = log p - log(1 - p) on (0, 1)."""
    return _run(precision, instances, seed, lambda prior, theta, observed, subset:
                relative_deviation(mp_logit(prior), mpmath.log(prior) - mpmath.log(1 - prior)))


def check_logit_posterior(precision: int, instances: int, seed: int) -> CheckResult:
    """logit P(H | e_s) = logit p + sum over s of log(L true i / L false i), P from the joint."""
    def deviation(prior, theta, observed, subset):
        table = full_joint(prior, theta, len(observed))
        lhs = mp_logit(posterior_from_joint(table, observed, subset))
        l1, l0 = likelihoods(theta, observed, True), likelihoods(theta, observed, False)
        rhs = mp_logit(prior) + mpmath.fsum(mpmath.log(l1[i]) - mpmath.log(l0[i]) for i in subset)
        return relative_deviation(lhs, rhs)
    return _run(precision, instances, seed, deviation)


def check_turing_good(precision: int, instances: int, seed: int) -> CheckResult:
    """logit P(H | e_s) = logit p + sum over s of (logit P(H | e_i) - logit p), all from the joint."""
    def deviation(prior, theta, observed, subset):
        table = full_joint(prior, theta, len(observed))
        lhs = mp_logit(posterior_from_joint(table, observed, subset))
        rhs = mp_logit(prior) + mpmath.fsum(
            mp_logit(posterior_from_joint(table, observed, {i})) - mp_logit(prior) for i in subset)
        return relative_deviation(lhs, rhs)
    return _run(precision, instances, seed, deviation)
