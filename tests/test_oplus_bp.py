"""The paper's oplus-BP model, and exactly when it coincides with sum-product.

References: closed forms (oplus of two probabilities, log-odds sums) and exact rational marginals
(`tbn.exact.marginals` with Fractions) of the factor graph the coincidence statement names.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tbn.algebra import logit, sigmoid
from tbn.bp import belief_propagation, oplus_bp, oplus_bp_step
from tbn.errors import ModelError
from tbn.exact import marginals as exact_marginals
from tbn.graph import FactorGraph

SETTINGS = dict(deadline=None, max_examples=25)


def random_binary_tree(seed: int, leaves: int):
    """A rooted tree whose internal nodes have exactly two children; node 0 is the root.

    Returns (children, leaf_evidence): children[j] is (c0, c1) or None for a leaf, and every
    leaf gets a rational soft-evidence probability in (0, 1).
    """
    rng = np.random.default_rng(seed)
    children: list = [None]
    frontier = [0]
    while len(frontier) < leaves:
        j = frontier.pop(int(rng.integers(len(frontier))))
        c = (len(children), len(children) + 1)
        children[j] = c
        children.extend([None, None])
        frontier.extend(c)
    evidence = {j: Fraction(int(rng.integers(1, 20)), 20)
                for j, c in enumerate(children) if c is None}
    return children, evidence


def height(children, j) -> int:
    c = children[j]
    return 0 if c is None else 1 + max(height(children, c[0]), height(children, c[1]))


def below(children, j) -> list[int]:
    c = children[j]
    return [j] if c is None else below(children, c[0]) + below(children, c[1])


def oplus_instance(children, evidence):
    """The oplus-BP instance of the coincidence statement: the tree plus a neutral node z."""
    n = len(children)
    z = n
    nb0 = [c[0] if c else j for j, c in enumerate(children)] + [z]
    nb1 = [c[1] if c else z for j, c in enumerate(children)] + [z]
    beliefs = [evidence.get(j, Fraction(1, 2)) for j in range(n)] + [Fraction(1, 2)]
    return nb0, nb1, beliefs


def equality_factor_graph(children, evidence, noise=Fraction(0)):
    """Binary X_j per node, (1 - p, p) on leaves, [[1-e, e], [e, 1-e]] between parent and child."""
    n = len(children)
    factors = []
    for j, c in enumerate(children):
        if c is None:
            p = evidence[j]
            factors.append(((f"x{j}",), [float(1 - p), float(p)]))
        else:
            for child in c:
                factors.append(((f"x{j}", f"x{child}"),
                                [[float(1 - noise), float(noise)], [float(noise), float(1 - noise)]]))
    return FactorGraph.build({f"x{j}": 2 for j in range(n)}, factors)


# -- the model itself ----------------------------------------------------------------------------

@settings(**SETTINGS)
@given(a=st.fractions(0, 1), b=st.fractions(0, 1))
def test_step_is_oplus_of_the_two_sources(a, b):
    if {a, b} == {0, 1}:
        with pytest.raises(ModelError, match="undefined"):
            oplus_bp_step([1, 0], [0, 0], [a, b])
        return
    out = oplus_bp_step([1, 0], [0, 0], [a, b])
    assert out[0] == a * b / (a * b + (1 - a) * (1 - b))
    assert out[1] == a * a / (a * a + (1 - a) * (1 - a))
    assert all(isinstance(x, Fraction) for x in out)


@settings(**SETTINGS)
@given(x=st.floats(-8, 8), y=st.floats(-8, 8))
def test_step_adds_log_odds(x, y):
    out = oplus_bp_step([0, 1], [1, 1], [sigmoid(x), sigmoid(y)])
    assert abs(logit(out[0]) - (x + y)) < 1e-9
    assert abs(logit(out[1]) - 2 * y) < 1e-9


def test_mpmath_beliefs_at_the_callers_precision():
    with mpmath.workdps(50):
        out = oplus_bp([0, 0], [1, 1], [mpmath.mpf(1) / 3, mpmath.mpf(1) / 7], 1)
        # (1/3)(1/7) / ((1/3)(1/7) + (2/3)(6/7)) = 1/13
        assert abs(out[0] - mpmath.mpf(1) / 13) < mpmath.mpf("1e-49")


def test_rounds_iterate_the_step():
    nb0, nb1, b = [1, 2, 0], [2, 0, 1], [Fraction(1, 3), Fraction(3, 4), Fraction(1, 5)]
    assert oplus_bp(nb0, nb1, b, 0) == b
    assert oplus_bp(nb0, nb1, b, 3) == oplus_bp_step(nb0, nb1, oplus_bp_step(
        nb0, nb1, oplus_bp_step(nb0, nb1, b)))


@pytest.mark.parametrize("args, match", [
    (([0], [0, 1], [0.5, 0.5]), "same length"),
    (([0, 2], [0, 1], [0.5, 0.5]), "node indices"),
    (([0, 1], [0, 1.0], [0.5, 0.5]), "node indices"),
    (([0, 1], [0, 1], [0.5, 1.5]), "probabilities"),
    (([0, 1], [0, 1], [0.5, float("nan")]), "probabilities"),
    (([1, 0], [0, 1], [0.0, 1.0]), "undefined"),
])
def test_bad_instances(args, match):
    with pytest.raises(ModelError, match=match):
        oplus_bp_step(*args)


def test_bad_rounds():
    with pytest.raises(ModelError, match="rounds"):
        oplus_bp([0], [0], [0.5], -1)


# -- coincidence with sum-product ----------------------------------------------------------------

@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), leaves=st.integers(1, 24))
def test_coincides_with_sum_product_on_a_binary_tree_of_equality_factors(seed, leaves):
    children, evidence = random_binary_tree(seed, leaves)
    nb0, nb1, b0 = oplus_instance(children, evidence)
    h = height(children, 0)
    beliefs = oplus_bp(nb0, nb1, b0, h)
    # every node: oplus of the evidence below it (exact rationals), and stable afterwards
    for j in range(len(children)):
        expected = Fraction(1, 2)
        for leaf in below(children, j):
            expected = expected * evidence[leaf] / (
                expected * evidence[leaf] + (1 - expected) * (1 - evidence[leaf]))
        assert beliefs[j] == expected
    assert oplus_bp_step(nb0, nb1, beliefs) == beliefs
    # the root: the exact marginal and the sum-product belief of the equality-factor graph
    fg = equality_factor_graph(children, evidence)
    assert fg.is_tree()
    exact = exact_marginals(fg, arithmetic="fraction")
    root = exact["x0"][1]
    assert abs(root - beliefs[0]) < Fraction(1, 10**12)   # the graph holds float(p) tables
    sp = belief_propagation(fg, tol=1e-15)
    assert sp.converged and abs(sp.marginals["x0"][1] - float(beliefs[0])) < 1e-12
    with mpmath.workdps(50):
        mp = belief_propagation(fg, backend="mpmath", dps=50, tol=1e-45)
        exact_mp = exact_marginals(fg, arithmetic="mpmath", dps=50)
        assert abs(mp.marginals["x0"][1] - exact_mp["x0"][1]) < mpmath.mpf("1e-40")


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), leaves=st.integers(2, 12))
def test_internal_beliefs_are_the_upward_sum_product_messages(seed, leaves):
    # b_j is P(X_j = 1 | evidence below j): the sum-product marginal of X_j on j's subtree alone
    children, evidence = random_binary_tree(seed, leaves)
    nb0, nb1, b0 = oplus_instance(children, evidence)
    beliefs = oplus_bp(nb0, nb1, b0, height(children, 0))
    for j, c in enumerate(children):
        if c is None:
            continue
        sub = below_nodes(children, j)
        index = {old: new for new, old in enumerate(sub)}
        sub_children = [tuple(index[x] for x in children[k]) if children[k] else None for k in sub]
        fg = equality_factor_graph(sub_children, {index[k]: evidence[k] for k in sub
                                                  if children[k] is None})
        sp = belief_propagation(fg, tol=1e-15)
        assert abs(sp.marginals["x0"][1] - float(beliefs[j])) < 1e-12


def below_nodes(children, j) -> list[int]:
    c = children[j]
    return [j] if c is None else [j] + below_nodes(children, c[0]) + below_nodes(children, c[1])


# -- where they differ ---------------------------------------------------------------------------

def test_differs_with_noisy_factors():
    # root with two leaves, p = 4/5 each, noisy copies with e = 1/10
    children, evidence = [(1, 2), None, None], {1: Fraction(4, 5), 2: Fraction(4, 5)}
    nb0, nb1, b0 = oplus_instance(children, evidence)
    ours = oplus_bp(nb0, nb1, b0, 1)[0]
    assert ours == Fraction(16, 17)
    e = Fraction(1, 10)
    fg = equality_factor_graph(children, evidence, noise=e)
    sp = belief_propagation(fg).marginals["x0"][1]
    # each noisy message is e + (1 - 2e) * 4/5 = 37/50; oplus of two: 1369/1538
    t = e + (1 - 2 * e) * Fraction(4, 5)
    assert t == Fraction(37, 50)
    assert abs(sp - float(t * t / (t * t + (1 - t) * (1 - t)))) < 1e-15
    assert abs(sp - float(ours)) > 0.02


def test_differs_with_a_shared_source():
    # nb0(j) = nb1(j) = c: oplus-BP counts c's evidence twice; one equality factor counts it once
    nb0, nb1, b0 = [1, 1, 2], [1, 2, 2], [Fraction(1, 2), Fraction(4, 5), Fraction(1, 2)]
    assert oplus_bp(nb0, nb1, b0, 1)[0] == Fraction(16, 17)
    fg = FactorGraph.build({"j": 2, "c": 2}, [(("j", "c"), [[1, 0], [0, 1]]), (("c",), [0.2, 0.8])])
    assert abs(belief_propagation(fg).marginals["j"][1] - 0.8) < 1e-15


def test_internal_nodes_ignore_evidence_outside_their_subtree():
    children, evidence = [(1, 2), None, None], {1: Fraction(4, 5), 2: Fraction(1, 10)}
    nb0, nb1, b0 = oplus_instance(children, evidence)
    leaf_belief = oplus_bp(nb0, nb1, b0, 5)[1]
    assert leaf_belief == Fraction(4, 5)
    sp = belief_propagation(equality_factor_graph(children, evidence)).marginals["x1"][1]
    # with equality factors every X_j is the root: 4/5 oplus 1/10 = (8/50) / (8/50 + 18/50)
    assert abs(sp - 4 / 13) < 1e-15
