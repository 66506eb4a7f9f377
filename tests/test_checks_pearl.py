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
from tbn.checks._base import to_mpf, tolerance
from tbn.checks._draws import positive_entry
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
            got = pearl.normalise(pearl.belief_after(t, pearl.height(t) - 1, m))
            worst = max(worst, _deviation(got, pearl.root_marginal(t)))
    assert worst > 1e-3


def test_wrong_message_is_caught():
    # A BP that forgets the edge factor (forwards the child's belief, as the paper's code does)
    # is not exact: the same comparison the pearl_rooted check makes reports a large deviation.
    rng = random.Random(5)

    def forgetful_up(t):
        if t[0] == "leaf":
            return [to_mpf(e) for e in t[1]]
        return [a * b for a, b in zip(forgetful_up(t[1]), forgetful_up(t[3]))]

    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            t = pearl.random_tree(rng, 2, rng.randint(2, 5))
            got = pearl.normalise(forgetful_up(t))
            worst = max(worst, _deviation(got, pearl.root_marginal(t)))
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
            a0, c0, a1, c1 = (to_mpf(positive_entry(rng)) for _ in range(4))
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


def test_oplus_bp_needs_height_rounds():
    # One round fewer than the height and the paper's oplus-BP has not reached the fold yet.
    rng = random.Random(13)
    worst = 0
    with mpmath.workdps(60):
        for _ in range(20):
            t = pearl.random_or_tree(rng, rng.randint(3, 7))
            full = pearl.or_tree_oplus_bp(t)
            assert abs(full - pearl.oplus_fold(t)) <= tolerance(50)
            short = _oplus_bp_rounds(t, pearl._or_height(t) - 1)
            worst = max(worst, abs(short - pearl.oplus_fold(t)))
    assert worst > 1e-3


def _oplus_bp_rounds(t, rounds):
    # The same instance as pearl.or_tree_oplus_bp, with a chosen number of rounds.
    from tbn.bp import oplus_bp
    nb0, nb1, beliefs = [], [], []

    def build(node):
        j = len(beliefs)
        nb0.append(j), nb1.append(-1), beliefs.append(mpmath.mpf(1) / 2)
        if node[0] == "leaf":
            beliefs[j] = to_mpf(node[1])
        else:
            nb0[j], nb1[j] = build(node[1]), build(node[2])
        return j

    build(t)
    z = len(beliefs)
    nb1 = [z if x == -1 else x for x in nb1]
    return oplus_bp(nb0 + [z], nb1 + [z], beliefs + [mpmath.mpf(1) / 2], rounds)[0]


def test_swapped_leaf_evidence_is_caught():
    # Reading a leaf as (p, 1 - p) instead of (1 - p, p) breaks the coincidence.
    rng = random.Random(17)
    worst = 0
    with mpmath.workdps(60):
        for _ in range(20):
            t = pearl.random_or_tree(rng, rng.randint(1, 5))

            def swapped(node):
                if node[0] == "leaf":
                    return ("leaf", (node[1], 1 - node[1]))
                return pearl.or_node(swapped(node[1]), swapped(node[2]))

            worst = max(worst, abs(pearl.bp_belief(swapped(t))[1] - pearl.oplus_fold(t)))
    assert worst > 1e-2


def test_downward_message_without_the_parent_side_is_caught():
    # A non-root node's two-pass belief needs the downward message sum_u g u * up t u * psi u w;
    # dropping up t (the evidence on the parent's side) breaks pearl_all's comparison.
    def careless_belief_at(t, p, g):
        if p[0] == "here":
            return [g[v] * to_mpf(e) for v, e in enumerate(t[1])]
        _, sub, psi, child = t
        if p[0] == "left":
            return careless_belief_at(sub, p[1], [a * m for a, m in
                                                 zip(g, pearl.msg(psi, pearl.up(child)))])
        down = [mpmath.fsum(g[u] * to_mpf(psi[u][w]) for u in range(len(g)))
                for w in range(len(g))]
        return careless_belief_at(child, p[1], down)

    rng = random.Random(21)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(15):
            t = pearl.random_tree(rng, 2, rng.randint(2, 5))
            for p in pearl.positions(t):
                got = pearl.normalise(careless_belief_at(t, p, [mpmath.mpf(1)] * 2))
                worst = max(worst, _deviation(got, pearl.node_marginal(t, p)))
    assert worst > 1e-2


def test_every_node_matches_variable_elimination_by_name():
    # positions(t) and to_factor_graph name the nodes in the same (leaf) order.
    t = ("attach", ("leaf", (Fraction(1), Fraction(3))),
         ((Fraction(2), Fraction(1)), (Fraction(1), Fraction(5))),
         ("leaf", (Fraction(1), Fraction(1))))
    fg, root_name = pearl.to_factor_graph(t)
    assert root_name == "x0" and pearl.positions(t) == [("left", ("here",)), ("right", ("here",))]
    exact = marginals(fg, arithmetic="mpmath", dps=50)
    with mpmath.workdps(50):
        # P(x1 = 0) ~ 1*2 + 3*1 = 5, P(x1 = 1) ~ 1*1 + 3*5 = 16.
        assert _deviation(exact["x1"], [mpmath.mpf(5) / 21, mpmath.mpf(16) / 21]) <= tolerance(50)
        assert _deviation(pearl.node_belief(t, pearl.positions(t)[1]), exact["x1"]) <= tolerance(50)


def test_rounds_needed_is_the_eccentricity():
    # The docstring of roundsNeeded: with d = 0 it is the node's eccentricity, so the largest
    # value over the nodes is the diameter; eccentricities come from a breadth-first search.
    rng = random.Random(23)
    for _ in range(200):
        t = pearl.random_tree(rng, 2, rng.randint(1, 9))
        ecc = pearl.eccentricities(t)
        assert [pearl.rounds_needed(t, p, 0) for p in pearl.positions(t)] == ecc
        assert max(ecc) <= 2 * pearl.height(t)


def test_one_round_fewer_is_not_exact_somewhere():
    rng = random.Random(29)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(15):
            t = pearl.random_tree(rng, 2, rng.randint(2, 5))
            mu, md = pearl.random_messages(rng, t, False), pearl.random_messages(rng, t, False)
            one = [mpmath.mpf(1)] * 2
            for p in pearl.positions(t):
                rounds = pearl.rounds_needed(t, p, 0) - 1
                got = pearl.normalise(pearl.belief_at_after(t, p, rounds, mu, md, lambda j: one))
                worst = max(worst, _deviation(got, pearl.node_marginal(t, p)))
    assert worst > 1e-3
