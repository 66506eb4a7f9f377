"""The checks of lean/TBN/TuringGood.lean pass, and fail when the statement is false.

Independent references: a hand-computed posterior, and a joint distribution in which two evidence
items are copies of each other (not conditionally independent), where the weight-of-evidence sum
double counts and must disagree with Bayes' rule.
"""
import itertools
import random

import mpmath
import pytest

from tbn.algebra import mp_logit
from tbn.checks import turing_good as T
from tbn.checks._base import tolerance

CHECKS = [getattr(T, name) for name in T.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=30, instances=25, seed=5)
    assert result.instances == 25
    assert result.max_deviation <= tolerance(30), result.worst_case


def test_hand_computed_posterior():
    # Prior 1/4; one item with P(e|H=1) = 0.8, P(e|H=0) = 0.2, observed e = 1:
    # P(H=1|e) = 0.25*0.8 / (0.25*0.8 + 0.75*0.2) = 0.2 / 0.35 = 4/7.
    with mpmath.workdps(50):
        prior = mpmath.mpf(1) / 4
        theta = {True: [mpmath.mpf(8) / 10], False: [mpmath.mpf(2) / 10]}
        table = T.full_joint(prior, theta, 1)
        assert abs(T.posterior_from_joint(table, [1], {0}) - mpmath.mpf(4) / 7) < 1e-45
        # With no item observed the posterior is the prior.
        assert abs(T.posterior_from_joint(table, [1], set()) - prior) < 1e-45


def test_joint_sums_to_one():
    rng = random.Random(3)
    with mpmath.workdps(50):
        prior, theta, observed, _ = T.random_model(rng)
        table = T.full_joint(prior, theta, len(observed))
        assert abs(mpmath.fsum(table.values()) - 1) < 1e-45


def test_dependent_evidence_breaks_the_decomposition():
    # E2 is a copy of E1: P(H | e1, e2) = P(H | e1), but the weight-of-evidence sum counts the
    # same evidence twice, so Turing-Good's formula (which needs conditional independence) fails.
    with mpmath.workdps(50):
        prior, lik = mpmath.mpf(1) / 2, {True: mpmath.mpf(9) / 10, False: mpmath.mpf(1) / 10}
        table = {}
        for h in (False, True):
            for e in itertools.product((0, 1), repeat=2):
                p_e1 = lik[h] if e[0] else 1 - lik[h]
                table[(h, e)] = (prior if h else 1 - prior) * p_e1 * (1 if e[1] == e[0] else 0)
        both = mp_logit(T.posterior_from_joint(table, [1, 1], {0, 1}))
        singles = [mp_logit(T.posterior_from_joint(table, [1, 1], {i})) for i in (0, 1)]
        formula = mp_logit(prior) + sum(s - mp_logit(prior) for s in singles)
        assert abs(both - formula) > 1  # log 9 apart


def test_false_sign_fails():
    # logit P(H|e) = logit p - sum of log-likelihood ratios is false.
    def wrong(prior, theta, observed, subset):
        table = T.full_joint(prior, theta, len(observed))
        l1, l0 = T.likelihoods(theta, observed, True), T.likelihoods(theta, observed, False)
        rhs = mp_logit(prior) - mpmath.fsum(mpmath.log(l1[i] / l0[i]) for i in subset)
        return T.relative_deviation(mp_logit(T.posterior_from_joint(table, observed, subset)), rhs)
    assert T._run(30, 25, 0, wrong).max_deviation > 1e-3
