"""The checks of lean/TBN/Pearl.lean pass, and fail on deliberately false variants.

References that do not come from the code under test: brute-force enumeration of the joint,
`tbn.exact.marginals` (variable elimination), a hand-computed chain, and the closed form of oplus.
"""
import random
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from tbn.bp import belief_propagation
from tbn.checks import pearl
from tbn.algebra import mp_oplus
from tbn.checks._base import tolerance
from tbn.exact import marginals

CHECKS = [getattr(pearl, name) for name in pearl.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=12, seed=7)
    assert result.instances == 12
    assert result.max_deviation <= tolerance(50), result.worst_case


def test_hand_computed_chain():
    # x0 -- x1 with ev0 = (1, 2), ev1 = (3, 1), psi = [[1, 2], [5, 1]]:
    # P(x0 = 0) ~ 1 * (1*3 + 2*1) = 5, P(x0 = 1) ~ 2 * (5*3 + 1*1) = 32.
    t = ("attach", ("leaf", (Fraction(1), Fraction(2))),
         ((Fraction(1), Fraction(2)), (Fraction(5), Fraction(1))),
         ("leaf", (Fraction(3), Fraction(1))))
    with mpmath.workdps(50):
        assert pearl.up(t) == [5, 32]
        assert pearl.unnorm_root_marginal(t) == [5, 32]
        assert pearl.bp_belief(t)[1] == mpmath.mpf(32) / 37


def _deviation(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


def test_too_few_rounds_is_not_exact():
    # Pearl needs height many rounds: with one fewer, arbitrary initial messages still show.
    rng = random.Random(3)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            t = pearl.random_tree(rng, 2, rng.randint(2, 6))
            m = pearl.random_messages(rng, t, signed=False)
            got = pearl._normalise(pearl.belief_after(t, pearl.height(t) - 1, m))
            worst = max(worst, _deviation(got, pearl.root_marginal(t)))
    assert worst > 1e-3


def test_wrong_message_is_caught():
    # A BP that forgets the edge factor (forwards the child's belief, as the paper's code does)
    # is not exact: the same comparison the pearl_rooted check makes reports a large deviation.
    rng = random.Random(5)

    def forgetful_up(t):
        if t[0] == "leaf":
            return [pearl._mp(e) for e in t[1]]
        return [a * b for a, b in zip(forgetful_up(t[1]), forgetful_up(t[3]))]

    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            t = pearl.random_tree(rng, 2, rng.randint(2, 5))
            worst = max(worst, _deviation(pearl._normalise(forgetful_up(t)), pearl.root_marginal(t)))
    assert worst > 1e-2


def test_oplus_needs_copy_factors():
    # With a non-copy edge factor the orNode belief is no longer oplus of the children's beliefs.
    rng = random.Random(11)
    worst = 0
    with mpmath.workdps(60):
        for _ in range(20):
            s0 = pearl.random_tree(rng, 2, rng.randint(1, 3))
            s1 = pearl.random_tree(rng, 2, rng.randint(1, 3))
            psi = ((Fraction(3), Fraction(1)), (Fraction(1), Fraction(2)))
            node = ("attach", ("attach", ("leaf", (Fraction(1),) * 2), psi, s0), psi, s1)
            b = pearl.bp_belief(node)[1]
            worst = max(worst, abs(b - mp_oplus(pearl.bp_belief(s0)[1],
                                                       pearl.bp_belief(s1)[1])))
    assert worst > 1e-2


def test_perturbed_oplus_statement_fails():
    # The check's comparison, with the right-hand side's (1 - p)(1 - q) replaced by (1 - p) q.
    rng = random.Random(2)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            a0, c0, a1, c1 = (pearl._mp(pearl._positive(rng)) for _ in range(4))
            p, q = a0 / (a0 + c0), a1 / (a1 + c1)
            worst = max(worst, abs(a0 * a1 / (a0 * a1 + c0 * c1) - p * q / (p * q + (1 - p) * q)))
    assert worst > 1e-2


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), nodes=st.integers(1, 7), k=st.integers(2, 3))
def test_flooding_bp_after_diameter_rounds_is_exact_everywhere(seed, nodes, k):
    # Pearl proper, numerically, for the project's BP: on the tree's factor graph, flooding BP
    # from uniform messages is exact at every variable after diameter rounds.
    t = pearl.random_tree(random.Random(seed), k, nodes)
    fg, _ = pearl.to_factor_graph(t)
    assert fg.is_tree()
    rounds = max(1, fg.diameter())
    bp = belief_propagation(fg, schedule="flooding", max_iter=rounds, tol=0, backend="mpmath",
                            dps=50)
    exact = marginals(fg, arithmetic="mpmath", dps=50)
    with mpmath.workdps(50):
        for name in fg.names:
            assert _deviation(bp.marginals[name], exact[name]) <= tolerance(50)


def test_root_check_compares_with_variable_elimination():
    # The factor-graph form of a tree has the same root marginal as brute force.
    rng = random.Random(1)
    with mpmath.workdps(50):
        for _ in range(10):
            t = pearl.random_tree(rng, 3, rng.randint(1, 5))
            fg, name = pearl.to_factor_graph(t)
            exact = marginals(fg, arithmetic="mpmath", dps=50)[name]
            assert _deviation(exact, pearl.root_marginal(t)) <= tolerance(50)
