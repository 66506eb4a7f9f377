"""The checks of lean/TBN/TreeLocal.lean pass; false variants (a missing factor table, a dropped
distance hypothesis, a graph with a cycle) fail."""
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from tbn.checks import sum_product as sp
from tbn.checks import tree_local as tl
from tbn.checks._base import tolerance
from tbn.checks.block_sum import all_assignments
from tbn.checks.tree_graph import Rooting, connected_graphs, first_failure, random_flat_tree, \
    tree_graphs

CHECKS = [getattr(tl, name) for name in tl.__all__ if name.startswith("check_")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__)
def test_check_passes(check):
    result = check(precision=50, instances=15, seed=5)
    assert result.instances == 15
    assert result.max_deviation <= tolerance(50), result.worst_case


def test_checks_are_not_vacuous():
    # The trees have grandchildren (deep enough for subProd_factor's product to be nonempty).
    deep = 0
    for fg, roots in tl.rooted_cases(tree_graphs(5, 15, max_n=5), 5):
        for i, ro in roots:
            deep += any(tl._grandchildren(ro, a) for a in range(len(fg.factors)))
    assert deep > 10


def test_sub_prod_factor_without_the_table_fails():
    worst = 0
    for fg, roots in tl.rooted_cases(tree_graphs(7, 10, max_n=4, positive=True), 7):
        for i, ro in roots:
            for a, p in tl._factor_parents(ro):
                for x in all_assignments(fg.n, fg.k):
                    lhs = tl.sub_prod(ro, ("fac", a), x)
                    rhs = Fraction(1)
                    for j, b in tl._grandchildren(ro, a):
                        rhs *= tl.sub_prod(ro, ("fac", b), x)
                    worst = max(worst, abs(lhs - rhs) / max(abs(lhs), abs(rhs), 1))
    assert worst > 0.1


def test_disjoint_vars_needs_equal_distance():
    # A factor and a factor of its own subtree share variables.
    def wrong(ro, i):
        m = len(ro.fg.factors)
        return first_failure((b == c or not tl.vars_of(ro, ("fac", b)) & tl.vars_of(ro, ("fac", c)),
                          "meet") for b in range(m) for c in range(m))
    assert tl._discrete(tree_graphs(1, 15), 1, wrong).max_deviation == 1


def test_erase_scope_eq_fails_with_a_cycle():
    # On a graph with a cycle a scope variable can hang below another factor.
    def stmt(ro, i):
        return first_failure((set(ro.fg.factors[a][0]) - {p} == tl.child_vars(ro, a), "scope")
                         for a, p in tl._factor_parents(ro))
    cyclic = [g for g in connected_graphs(3, 40) if not sp.is_tree(g)]
    assert tl._discrete(cyclic, 3, stmt, tree=False).max_deviation == 1
    assert tl._discrete(cyclic, 3, stmt, tree=True).max_deviation == 1  # rejected as non-tree


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10 ** 6), n=st.integers(1, 5))
def test_root_children_partition_variables_and_factors(seed, n):
    # What joint_eq_prod_subProd and disjoint_root_vars add up to: the root's child factors split
    # the other variables and all factors into disjoint subtrees.
    g = random_flat_tree(random.Random(seed), n=n, max_k=2)
    for i in range(g.n):
        ro = Rooting(g, ("var", i))
        kids = sorted(tl.child_facs(ro, i))
        fac_sets = [tl.facs(ro, ("fac", a)) for a in kids]
        var_sets = [tl.vars_of(ro, ("fac", a)) for a in kids]
        assert sum(map(len, fac_sets)) == len(g.factors)
        assert set().union(*fac_sets) == set(range(len(g.factors)))
        assert sum(map(len, var_sets)) == g.n - 1
        assert set().union(*var_sets) | {i} == set(range(g.n))
