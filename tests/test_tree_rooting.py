"""Every tree factor graph is an `FTree` of ``PearlFactor.lean``, rooted at any variable.

``PearlFactor.lean`` proves Pearl's theorem for rooted trees built by ``attach`` (one factor of any
arity joining a parent to its children), over one value type ``α`` shared by all variables.  The
flat model (``tbn.graph.FactorGraph`` with its tree test, ``SumProduct.lean``'s ``IsTree``) is
connected to it in Lean only through this representation, which is not itself proved there.  This
file checks the representation numerically: a random tree factor graph with mixed cardinalities
and evidence is rooted at each variable and rewritten as an FTree (every cardinality padded to the
largest one with zero evidence, which adds only zero-weight assignments); the FTree's root belief,
computed by the Lean-shaped recursion of `tbn.checks.pearl_factor`, equals the exact marginal of
that variable (variable elimination in exact fractions).
"""
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import given, settings, strategies as st

from tbn.checks import pearl_factor as pf
from tbn.errors import ModelError
from tbn.exact import marginals

from test_bp import SETTINGS, random_tree


def root_as_ftree(fg, evidence: dict, root: str):
    """The nested-tuple FTree of ``fg`` rooted at ``root`` (format of `tbn.checks.pearl_factor`)."""
    q = max(len(v.states) for v in fg.variables)
    cards = {v.name: len(v.states) for v in fg.variables}
    tables = [(f.variables, f.rational_table()) for f in fg.factors]

    def leaf(name):
        ev = [Fraction(1) if s < cards[name] else Fraction(0) for s in range(q)]
        if name in evidence:
            ev = [e if s == evidence[name] else Fraction(0) for s, e in enumerate(ev)]
        return ("leaf", ev)

    def grow(name, parent_factor):
        tree = leaf(name)
        for index, (scope, table) in enumerate(tables):
            if name not in scope or index == parent_factor:
                continue
            children = [u for u in scope if u != name]
            psi = {}
            for values in np.ndindex(*(q,) * len(scope)):
                own, rest = values[0], values[1:]
                assignment = dict(zip([name] + children, values))
                inside = all(assignment[u] < cards[u] for u in scope)
                psi[(own, tuple(rest))] = (table[tuple(assignment[u] for u in scope)]
                                           if inside else Fraction(0))
            tree = ("attach", tree, len(children), psi,
                    tuple(grow(c, index) for c in children))
        return tree

    return grow(root, None)


@settings(max_examples=25, **SETTINGS)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7))
def test_every_tree_factor_graph_rooted_anywhere_is_an_ftree_with_exact_root_belief(seed, n):
    fg, evidence = random_tree(seed, n, max_card=3, zeros=0.2, min_card=1)
    assert fg.is_tree()
    try:
        exact = marginals(fg, evidence, arithmetic="fraction")
    except ModelError:  # Z = 0 (factors or evidence): Lean's x / 0 = 0 makes every belief 0
        with mpmath.workdps(60):
            for variable in fg.variables:
                assert not any(pf.bp_belief(root_as_ftree(fg, evidence, variable.name)))
        return
    with mpmath.workdps(60):
        for variable in fg.variables:
            tree = root_as_ftree(fg, evidence, variable.name)
            belief = pf.bp_belief(tree)
            card = len(variable.states)
            assert all(b == 0 for b in belief[card:])
            for got, want in zip(belief[:card], exact[variable.name]):
                assert abs(got - pf.to_mpf(want)) < mpmath.mpf(10) ** -50


def test_rooting_a_path_through_a_ternary_factor_by_hand():
    # x - f(x, y, z) with y = 1 observed: P(x) is proportional to sum_z f(x, 1, z) = (7, 15).
    from tbn.graph import FactorGraph
    f = np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], dtype=float)
    fg = FactorGraph.build({"x": 2, "y": 2, "z": 2}, [(("x", "y", "z"), f)])
    tree = root_as_ftree(fg, {"y": 1}, "x")
    with mpmath.workdps(60):
        belief = pf.bp_belief(tree)
        want = [mpmath.mpf(7) / 22, mpmath.mpf(15) / 22]
        assert all(abs(b - w) < mpmath.mpf(10) ** -55 for b, w in zip(belief, want))
