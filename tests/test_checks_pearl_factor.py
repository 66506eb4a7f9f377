"""The checks of lean/TBN/PearlFactor.lean pass, and fail on deliberately false variants.

References that do not come from the code under test: a hand-computed OR factor, brute-force
enumeration of the joint, `tbn.exact.marginals` (variable elimination) and the project's own
flooding BP (`tbn.bp.belief_propagation`) on the same factor graph.
"""
import itertools
import random
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from tbn.bp import belief_propagation
from tbn.checks import pearl_factor as pf
from tbn.checks._base import to_mpf, tolerance
from tbn.exact import marginals

CHECKS = [getattr(pf, name) for name in pf.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=12, seed=7)
    assert result.instances == 12
    assert result.max_deviation <= tolerance(50), result.worst_case


def _deviation(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


def _or_tree():
    # x0 -- OR(x1, x2): psi(v; a, b) = [v == (a or b)], ev0 = (1, 1), ev1 = (1, 3), ev2 = (2, 1).
    psi = {(v, (a, b)): Fraction(int(v == (a or b))) for v in range(2) for a in range(2)
           for b in range(2)}
    return ("attach", ("leaf", (Fraction(1), Fraction(1))), 2, psi,
            (("leaf", (Fraction(1), Fraction(3))), ("leaf", (Fraction(2), Fraction(1)))))


def test_hand_computed_or_factor():
    # P(x0 = 0) ~ ev1(0) ev2(0) = 1 * 2 = 2; P(x0 = 1) ~ (1 + 3)(2 + 1) - 2 = 10.
    t = _or_tree()
    with mpmath.workdps(50):
        assert pf.up(t) == [2, 10]
        assert pf.unnorm_root_marginal(t) == [2, 10]
        assert pf.bp_belief(t)[1] == mpmath.mpf(5) / 6
        assert pf.height(t) == 1


def test_too_few_rounds_is_not_exact():
    # pearl_rounds needs height many rounds: with one fewer, arbitrary initial messages show.
    rng = random.Random(3)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            t = pf.random_ftree(rng, 2, rng.randint(2, 6))
            m = pf.random_messages(rng, t, signed=False)
            got = pf.normalise(pf.belief_after(t, pf.height(t) - 1, m))
            worst = max(worst, _deviation(got, pf.root_marginal(t)))
    assert worst > 1e-3


def test_unary_factor_needs_one_round():
    # A lone unary factor (k = 0) has height 1: in round 0 its message is the initial one.
    t = ("attach", ("leaf", (Fraction(1), Fraction(1))), 0,
         {(0, ()): Fraction(1), (1, ()): Fraction(4)}, ())
    m = (None, [mpmath.mpf(1), mpmath.mpf(1)], ())
    with mpmath.workdps(50):
        assert pf.height(t) == 1
        assert pf.normalise(pf.belief_after(t, 0, m))[1] == mpmath.mpf(1) / 2
        assert pf.normalise(pf.belief_after(t, 1, m))[1] == mpmath.mpf(4) / 5


def test_wrong_factor_argument_order_is_caught():
    # A BP that reads the children's values in reverse order inside psi is not exact on trees
    # with a factor of arity >= 3 and asymmetric tables.
    def reversed_up(t):
        if t[0] == "leaf":
            return [to_mpf(e) for e in t[1]]
        _, sub, k, psi, children = t
        flipped = {(v, ys[::-1]): e for (v, ys), e in psi.items()}
        msgs = pf.fmsg(flipped, k, pf.domain_size(t), [reversed_up(c) for c in children])
        return [a * b for a, b in zip(reversed_up(sub), msgs)]

    rng = random.Random(5)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            q = 2
            children = tuple(pf.random_ftree(rng, q, rng.randint(1, 2)) for _ in range(2))
            t = ("attach", ("leaf", (Fraction(1), Fraction(1))), 2,
                 pf.random_factor(rng, q, 2), children)
            got = pf.normalise(reversed_up(t))
            worst = max(worst, _deviation(got, pf.root_marginal(t)))
    assert worst > 1e-2


def test_forgetting_the_factor_table_is_caught():
    # The paper's code forwards neighbour beliefs and ignores the factor: not exact.
    def forgetful_up(t):
        if t[0] == "leaf":
            return [to_mpf(e) for e in t[1]]
        out = forgetful_up(t[1])
        for c in t[4]:
            out = [a * b for a, b in zip(out, forgetful_up(c))]
        return out

    rng = random.Random(9)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(20):
            t = pf.random_ftree(rng, 2, rng.randint(2, 5))
            worst = max(worst, _deviation(pf.normalise(forgetful_up(t)), pf.root_marginal(t)))
    assert worst > 1e-2


def test_perturbed_fiber_statement_fails():
    # sum_mul_prod_fiber with g evaluated at the reversed tuple of root values on the right side.
    rng = random.Random(2)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(30):
            q, sizes = 2, [rng.randint(1, 3), rng.randint(1, 3)]
            r = [[rng.randrange(q) for _ in range(m)] for m in sizes]
            w = [[Fraction(rng.randint(1, 9)) for _ in range(m)] for m in sizes]
            g = {ys: Fraction(rng.randint(1, 9)) for ys in itertools.product(range(q), repeat=2)}
            lhs = mpmath.fsum(to_mpf(g[ys]) * mpmath.fsum(to_mpf(w[0][z]) for z in range(sizes[0])
                                                          if r[0][z] == ys[0])
                              * mpmath.fsum(to_mpf(w[1][z]) for z in range(sizes[1])
                                            if r[1][z] == ys[1])
                              for ys in itertools.product(range(q), repeat=2))
            rhs = mpmath.fsum(to_mpf(g[(r[1][z1], r[0][z0])] * w[0][z0] * w[1][z1])
                              for z0 in range(sizes[0]) for z1 in range(sizes[1]))
            worst = max(worst, abs(lhs - rhs) / max(1, abs(lhs)))
    assert worst > 1e-2


def test_root_marginal_matches_variable_elimination():
    # The factor-graph form of a tree (factors of arity up to 4) has the brute-force root marginal.
    rng = random.Random(1)
    with mpmath.workdps(50):
        for _ in range(10):
            t = pf.random_ftree(rng, 3, rng.randint(1, 5))
            fg, name = pf.to_factor_graph(t)
            assert fg.is_tree()
            exact = marginals(fg, arithmetic="mpmath", dps=50)[name]
            assert _deviation(exact, pf.root_marginal(t)) <= tolerance(50)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10 ** 6), nodes=st.integers(1, 7), q=st.integers(2, 3))
def test_lean_up_equals_flooding_bp_of_tbn(seed, nodes, q):
    # The Lean-shaped upward recursion and tbn's own flooding BP (after diameter rounds from
    # uniform messages, SPEC 3.2) give the same root belief, and both equal variable elimination.
    t = pf.random_ftree(random.Random(seed), q, min(nodes, 5) if q == 3 else nodes)
    fg, name = pf.to_factor_graph(t)
    assert fg.is_tree()
    bp = belief_propagation(fg, schedule="flooding", max_iter=max(1, fg.diameter()), tol=0,
                            backend="mpmath", dps=50)
    exact = marginals(fg, arithmetic="mpmath", dps=50)
    with mpmath.workdps(50):
        assert _deviation(pf.bp_belief(t), bp.marginals[name]) <= tolerance(50)
        for v in fg.names:
            assert _deviation(bp.marginals[v], exact[v]) <= tolerance(50)


def test_hand_computed_every_variable():
    # In the OR tree the joint over (x1, x2) is ev1 ev2: (0,0) 2, (0,1) 1, (1,0) 6, (1,1) 3, Z = 12,
    # so P(x0 = 1) = 10/12, P(x1 = 1) = 9/12, P(x2 = 1) = 4/12.
    t = _or_tree()
    assert pf.positions(t) == [("left", ("here",)), ("child", 0, ("here",)),
                               ("child", 1, ("here",))]
    with mpmath.workdps(50):
        got = [pf.node_belief(t, p)[1] for p in pf.positions(t)]
        assert got == [mpmath.mpf(5) / 6, mpmath.mpf(3) / 4, mpmath.mpf(1) / 3]
        fg, _ = pf.to_factor_graph(t)
        exact = marginals(fg, arithmetic="mpmath", dps=50)
        assert [exact[name][1] for name in ("x0", "x1", "x2")] == got


def _careless_belief_at(t, p, g, *, drop_parent=False, shift_child=False):
    # beliefAt with a deliberately wrong downward message: without the parent side's belief
    # (drop_parent), or computed for the wrong child of the factor (shift_child).
    if p[0] == "here":
        return [g[v] * to_mpf(e) for v, e in enumerate(t[1])]
    _, sub, k, psi, children = t
    q = pf.domain_size(t)
    ups = [pf.up(c) for c in children]
    if p[0] == "left":
        return _careless_belief_at(sub, p[1], [a * m for a, m in zip(g, pf.fmsg(psi, k, q, ups))],
                                   drop_parent=drop_parent, shift_child=shift_child)
    i = p[1]
    j = (i + 1) % k if shift_child else i
    own = [mpmath.mpf(1)] * q if drop_parent else pf.up(sub)
    down = [mpmath.fsum(g[u] * own[u] * pf.dmsg(psi, k, q, ups, j, u, w) for u in range(q))
            for w in range(q)]
    return _careless_belief_at(children[i], p[2], down, drop_parent=drop_parent,
                               shift_child=shift_child)


@pytest.mark.parametrize("mistake", ["drop_parent", "shift_child"])
def test_wrong_downward_message_is_caught(mistake):
    # pearl_all's comparison reports a large deviation for either mistake somewhere.
    rng = random.Random(21)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(15):
            q = 2
            children = tuple(pf.random_ftree(rng, q, rng.randint(1, 2)) for _ in range(2))
            t = ("attach", ("leaf", (Fraction(1), Fraction(rng.randint(2, 9)))), 2,
                 pf.random_factor(rng, q, 2), children)
            for p in pf.positions(t):
                got = pf.normalise(_careless_belief_at(t, p, [mpmath.mpf(1)] * q,
                                                       **{mistake: True}))
                worst = max(worst, _deviation(got, pf.node_marginal(t, p)))
    assert worst > 1e-2


# --- every variable after synchronous rounds (pearl_rounds_all) ---------------------------------

def _chain_with_deep_sibling():
    # x0 -- psi(x0; x1, x2) with x2 -- phi(x2; x3): child 0 is a leaf, child 1 has height 1.
    q = 2
    rng = random.Random(4)
    leaf = ("leaf", (Fraction(1), Fraction(3)))
    deep = ("attach", ("leaf", (Fraction(2), Fraction(1))), 1, pf.random_factor(rng, q, 1),
            (("leaf", (Fraction(1), Fraction(5))),))
    return ("attach", ("leaf", (Fraction(1), Fraction(1))), 2, pf.random_factor(rng, q, 2),
            (leaf, deep))


def test_rounds_needed_by_hand():
    t = _chain_with_deep_sibling()
    assert pf.height(t) == 2
    # Root: wait for the factor's upward message, one round more than the deepest child.
    assert pf.rounds_needed(t, ("left", ("here",)), 0) == 2
    # Child 0 (a leaf): the downward message needs the sibling settled (height 1), then one round.
    assert pf.rounds_needed(t, ("child", 0, ("here",)), 0) == 2
    # x2: same downward wait (2), then its own factor below needs 1 + 1.
    assert pf.rounds_needed(t, ("child", 1, ("left", ("here",))), 0) == 2
    # x3: 2 rounds for the message into x2, then one more across phi.
    assert pf.rounds_needed(t, ("child", 1, ("child", 0, ("here",))), 0) == 3
    for p in pf.positions(t):
        assert pf.rounds_needed(t, p, 0) <= 2 * pf.height(t)


def _flooding_deviation(t, p, rounds, mu, md):
    one = [mpmath.mpf(1)] * pf.domain_size(t)
    got = pf.normalise(pf.belief_at_after(t, p, rounds, mu, md, lambda j: one))
    return _deviation(got, pf.node_marginal(t, p))


def test_one_round_fewer_than_rounds_needed_is_not_exact_somewhere():
    # roundsNeeded is an overestimate at some variables, but not everywhere: with one round fewer,
    # from random positive messages, some variable of some tree is far from its marginal.
    rng = random.Random(13)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(15):
            t = pf.random_ftree(rng, 2, rng.randint(2, 5))
            mu = pf.random_messages(rng, t, signed=False)
            md = pf.random_down_messages(rng, t, signed=False)
            for p in pf.positions(t):
                r = pf.rounds_needed(t, p, 0)
                if r >= 1:
                    worst = max(worst, _flooding_deviation(t, p, r - 1, mu, md))
                assert _flooding_deviation(t, p, r, mu, md) <= tolerance(50)
    assert worst > 1e-3


def test_ignoring_the_siblings_is_too_few_rounds():
    # A round count that lets the downward message to child i wait only for the parent subtree
    # (max d (height t) + 1, as if the factor were pairwise) is too small: at x1 (child 0) one
    # round is not enough, because the sibling x2 has not yet heard from x3.
    t = _chain_with_deep_sibling()
    p = ("child", 0, ("here",))
    rng = random.Random(8)
    worst = 0
    with mpmath.workdps(50):
        for _ in range(10):
            mu = pf.random_messages(rng, t, signed=False)
            md = pf.random_down_messages(rng, t, signed=False)
            worst = max(worst, _flooding_deviation(t, p, 1, mu, md))
            assert _flooding_deviation(t, p, pf.rounds_needed(t, p, 0), mu, md) <= tolerance(50)
    assert worst > 1e-3


def test_downward_message_without_the_siblings_is_caught(monkeypatch):
    # A downEdge that forgets the other children's upward beliefs (dmsg with all-ones b) does not
    # reach the marginal, however many rounds.
    def careless_down_edge(psi, k, q, sub, children, i, e, mt, ms, outside, j):
        if j == 0:
            return e
        g, own = outside(j - 1), pf.belief_after(sub, j - 1, mt)
        ones = [[mpmath.mpf(1)] * q for _ in children]
        return [mpmath.fsum(g[u] * own[u] * pf.dmsg(psi, k, q, ones, i, u, w) for u in range(q))
                for w in range(q)]

    t = _chain_with_deep_sibling()
    p = ("child", 0, ("here",))
    rng = random.Random(6)
    monkeypatch.setattr(pf, "down_edge", careless_down_edge)
    with mpmath.workdps(50):
        mu = pf.random_messages(rng, t, signed=False)
        md = pf.random_down_messages(rng, t, signed=False)
        assert _flooding_deviation(t, p, 6, mu, md) > 1e-3


def _evidence_as_unary_factors(t):
    # The same model with every leaf's evidence moved into a unary factor (k = 0) on a leaf with
    # all-ones evidence: tbn.bp's factor graph then has exactly the messages of Lean's rounds (in
    # tbn.bp a variable's evidence is a unary factor whose message takes one round to arrive).
    if t[0] == "leaf":
        q = len(t[1])
        return ("attach", ("leaf", (Fraction(1),) * q), 0,
                {(v, ()): e for v, e in enumerate(t[1])}, ())
    _, sub, k, psi, children = t
    return ("attach", _evidence_as_unary_factors(sub), k, psi,
            tuple(_evidence_as_unary_factors(c) for c in children))


def _uniform_messages(t, down: bool):
    if t[0] == "leaf":
        return None
    q = pf.domain_size(t)
    one = [mpmath.mpf(1)] * q
    own = _uniform_messages(t[1], down)
    kids = tuple(_uniform_messages(c, down) for c in t[4])
    return (own, [one for _ in t[4]] if down else one, kids)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10 ** 6), nodes=st.integers(1, 6), q=st.integers(2, 3))
def test_lean_rounds_equal_flooding_bp_of_tbn_every_variable(seed, nodes, q):
    # On the tree with evidence as unary factors, Lean's beliefAtAfter from uniform messages is
    # tbn's own flooding BP (tbn.bp) round by round at every variable; after roundsNeeded rounds
    # both are exact (tbn.exact.marginals).
    t = _evidence_as_unary_factors(pf.random_ftree(random.Random(seed), q,
                                                   min(nodes, 4) if q == 3 else nodes))
    fg, _ = pf.to_factor_graph(t)
    assert fg.is_tree()
    exact = marginals(fg, arithmetic="mpmath", dps=50)
    mu, md = _uniform_messages(t, False), _uniform_messages(t, True)
    one = [mpmath.mpf(1)] * q
    with mpmath.workdps(50):
        for n, p in enumerate(pf.positions(t)):
            needed = pf.rounds_needed(t, p, 0)
            for rounds in sorted({1, max(1, needed - 1), max(1, needed)}):
                bp = belief_propagation(fg, schedule="flooding", max_iter=rounds, tol=0,
                                        backend="mpmath", dps=50)
                lean = pf.normalise(pf.belief_at_after(t, p, rounds, mu, md, lambda j: one))
                assert _deviation(lean, bp.marginals[f"x{n}"]) <= tolerance(50)
            assert _deviation(bp.marginals[f"x{n}"], exact[f"x{n}"]) <= tolerance(50)
