"""Checks of ``lean/TBN/TreeLocal.lean``: the local structure of a tree factor graph rooted at a
variable ``i`` (``r = Sum.inl i``): children, grandchildren, subtree products.

Twins, on a `tbn.checks.tree_graph.Rooting` (one drawn choice of ``bfsPar``; on a tree it is
unique anyway): `facs`, `vars_of` (Lean's ``vars``), `sub_prod`, `child_vars`, `child_facs`.
`child_vars` and `child_facs` are computed from the inverted parent map (the children lists), so
the membership statements compare two computations.  Set statements are exact (deviation 0 or 1,
with the first counterexample); the product identities ``subProd_factor`` and
``joint_eq_prod_subProd`` are evaluated exactly in `Fraction`s at every full assignment, the
deviation being the exact relative gap (see `tbn.checks.block_sum.exact_gap`).  Instances: the
trees of `tbn.checks.tree_graph.tree_graphs` (pairwise trees, trees with factors of arity 1 to 4,
zero and extreme table entries, the one-variable trees), every variable as the root; the
statements without a tree hypothesis also run on arbitrary graphs.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Callable, Iterable

import mpmath

from ._base import CheckResult, to_mpf
from .block_sum import all_assignments, exact_gap, reads_only
from .factor_graph import LeanGraph
from .sum_product import is_tree, nbrs
from .tree_graph import Rooting, any_graphs, first_failure, tree_graphs

__all__ = [
    "facs", "vars_of", "sub_prod", "child_vars", "child_facs", "rooted_cases", "exact_joint",
    "check_mem_child_vars", "check_mem_child_facs", "check_mem_scope_of_bfs_par",
    "check_erase_scope_eq", "check_erase_nbrs_eq", "check_nbrs_root",
    "check_bfs_dist_grandchild", "check_bfs_dist_child_root", "check_sub_prod_factor",
    "check_joint_eq_prod_sub_prod", "check_table_reads_only", "check_sub_prod_reads_only",
    "check_disjoint_scope_vars", "check_disjoint_vars", "check_disjoint_root_vars",
]


# --- twins ---------------------------------------------------------------------------------------

def facs(ro: Rooting, w) -> frozenset:
    """``facs i w``: the factors in the subtree of ``w``."""
    return frozenset(u[1] for u in ro.subtree(w) if u[0] == "fac")


def vars_of(ro: Rooting, w) -> frozenset:
    """``vars i w``: the variables in the subtree of ``w``."""
    return frozenset(u[1] for u in ro.subtree(w) if u[0] == "var")


def sub_prod(ro: Rooting, w, x: tuple) -> Fraction:
    """``subProd i w x``: the product of the tables of the factors in the subtree of ``w``."""
    out = Fraction(1)
    for c in sorted(facs(ro, w)):
        out *= ro.fg.table(c, x)
    return out


def _children(ro: Rooting) -> dict:
    kids = {}
    for c, p in ro.par.items():
        kids.setdefault(p, set()).add(c)
    return kids


def child_vars(ro: Rooting, a: int) -> frozenset:
    """``childVars i a``: the variables whose parent is factor ``a``."""
    return frozenset(c[1] for c in _children(ro).get(("fac", a), ()) if c[0] == "var")


def child_facs(ro: Rooting, j: int) -> frozenset:
    """``childFacs i j``: the factors whose parent is variable ``j``."""
    return frozenset(c[1] for c in _children(ro).get(("var", j), ()) if c[0] == "fac")


def exact_joint(fg: LeanGraph, x: tuple) -> Fraction:
    """``joint x`` exactly: the product of every table."""
    out = Fraction(1)
    for a in range(len(fg.factors)):
        out *= fg.table(a, x)
    return out


# --- driver --------------------------------------------------------------------------------------

def rooted_cases(graphs: Iterable[LeanGraph], seed: int) -> Iterable[tuple]:
    """Each graph with one rooting per variable (``bfsPar`` drawn by a seeded generator)."""
    rng = random.Random(seed + 11)
    for fg in graphs:
        yield fg, [(i, Rooting(fg, ("var", i), rng)) for i in range(fg.n)]


def _discrete(graphs, seed: int, statement: Callable, *, tree: bool = True) -> CheckResult:
    """Deviation 0 when ``statement(ro, i)`` (None or a description) holds at every root of
    every graph, else 1 with the first counterexample; with ``tree`` the hypothesis ``IsTree``
    is confirmed on each instance first."""
    count, failure = 0, None
    for fg, roots in rooted_cases(graphs, seed):
        count += 1
        if failure is not None:
            continue
        if tree and not is_tree(fg):
            failure = f"instance is not a tree: {fg}"
            continue
        for i, ro in roots:
            msg = statement(ro, i)
            if msg is not None:
                failure = f"root {i}: {msg}; {ro!r}"[:600]
                break
    return CheckResult(mpmath.mpf(0 if failure is None else 1), count, failure or "")


def _factor_parents(ro: Rooting):
    """``(a, p)`` for every factor ``a`` with ``bfsPar (inr a) = inl p``."""
    for a in range(len(ro.fg.factors)):
        q = ro.par[("fac", a)]
        if q[0] == "var":
            yield a, q[1]


def _grandchildren(ro: Rooting, a: int):
    return [(j, b) for j in sorted(child_vars(ro, a)) for b in sorted(child_facs(ro, j))]


def _trees(seed: int, instances: int):
    return tree_graphs(seed, instances, max_n=5)


# --- one check per manifest theorem --------------------------------------------------------------

def check_mem_child_vars(precision: int, instances: int, seed: int) -> CheckResult:
    """``mem_childVars``: j is a child variable of a iff its parent is a (any graph)."""
    def stmt(ro, i):
        return first_failure(((j in child_vars(ro, a)) == (ro.par[("var", j)] == ("fac", a)),
                       f"j={j}, a={a}") for a in range(len(ro.fg.factors)) for j in range(ro.fg.n))
    return _discrete(any_graphs(seed, instances), seed, stmt, tree=False)


def check_mem_child_facs(precision: int, instances: int, seed: int) -> CheckResult:
    """``mem_childFacs``: b is a child factor of j iff its parent is j (any graph)."""
    def stmt(ro, i):
        return first_failure(((b in child_facs(ro, j)) == (ro.par[("fac", b)] == ("var", j)),
                       f"j={j}, b={b}") for b in range(len(ro.fg.factors)) for j in range(ro.fg.n))
    return _discrete(any_graphs(seed, instances), seed, stmt, tree=False)


def check_mem_scope_of_bfs_par(precision: int, instances: int, seed: int) -> CheckResult:
    """``mem_scope_of_bfsPar``: a factor's parent variable is in its scope (trees)."""
    def stmt(ro, i):
        return first_failure((p in ro.fg.factors[a][0], f"parent {p} of factor {a} not in scope")
                      for a, p in _factor_parents(ro))
    return _discrete(_trees(seed, instances), seed, stmt)


def check_erase_scope_eq(precision: int, instances: int, seed: int) -> CheckResult:
    """``erase_scope_eq``: a factor's scope minus its parent is its set of child variables."""
    def stmt(ro, i):
        return first_failure((set(ro.fg.factors[a][0]) - {p} == child_vars(ro, a),
                       f"factor {a}, parent {p}") for a, p in _factor_parents(ro))
    return _discrete(_trees(seed, instances), seed, stmt)


def check_erase_nbrs_eq(precision: int, instances: int, seed: int) -> CheckResult:
    """``erase_nbrs_eq``: a child variable's factors other than its parent are its children."""
    def stmt(ro, i):
        return first_failure((set(nbrs(ro.fg, j)) - {a} == child_facs(ro, j), f"factor {a}, child {j}")
                      for a in range(len(ro.fg.factors)) for j in sorted(child_vars(ro, a)))
    return _discrete(_trees(seed, instances), seed, stmt)


def check_nbrs_root(precision: int, instances: int, seed: int) -> CheckResult:
    """``nbrs_root``: the root's factors are exactly its child factors."""
    def stmt(ro, i):
        return None if set(nbrs(ro.fg, i)) == child_facs(ro, i) else "nbrs i != childFacs i i"
    return _discrete(_trees(seed, instances), seed, stmt)


def check_bfs_dist_grandchild(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsDist_grandchild``: a grandchild factor is two steps farther from the root."""
    def stmt(ro, i):
        return first_failure((ro.dist[("fac", b)] == ro.dist[("fac", a)] + 2, f"a={a}, j={j}, b={b}")
                      for a in range(len(ro.fg.factors)) for j, b in _grandchildren(ro, a))
    return _discrete(_trees(seed, instances), seed, stmt)


def check_bfs_dist_child_root(precision: int, instances: int, seed: int) -> CheckResult:
    """``bfsDist_child_root``: the root's child factors are at distance 1."""
    def stmt(ro, i):
        return first_failure((ro.dist[("fac", a)] == 1, f"a={a}") for a in sorted(child_facs(ro, i)))
    return _discrete(_trees(seed, instances), seed, stmt)


def _identity_check(graphs, seed: int, precision: int, sides: Callable) -> CheckResult:
    """Worst exact relative gap of ``sides(ro, i, x)`` (pairs of Fractions) over every root and
    full assignment; 1 for an instance that is not a tree."""
    count, worst, worst_case = 0, Fraction(0), ""
    for fg, roots in rooted_cases(graphs, seed):
        count += 1
        if not is_tree(fg):
            return CheckResult(mpmath.mpf(1), count, f"instance is not a tree: {fg}")
        for i, ro in roots:
            for x in all_assignments(fg.n, fg.k):
                for lhs, rhs in sides(ro, i, x):
                    gap = exact_gap(lhs, rhs)
                    if gap > worst or not worst_case:
                        worst, worst_case = gap, f"root {i}, x={x}: {lhs} vs {rhs}; {fg}"[:600]
    with mpmath.workdps(precision):
        return CheckResult(to_mpf(worst), count, worst_case)


def check_sub_prod_factor(precision: int, instances: int, seed: int) -> CheckResult:
    """``subProd_factor``: a factor's subtree product is its table times its grandchildren's
    subtree products, at every full assignment (exact)."""
    def sides(ro, i, x):
        for a, p in _factor_parents(ro):
            rhs = ro.fg.table(a, x)
            for j, b in _grandchildren(ro, a):
                rhs *= sub_prod(ro, ("fac", b), x)
            yield sub_prod(ro, ("fac", a), x), rhs
    return _identity_check(_trees(seed, instances), seed, precision, sides)


def check_joint_eq_prod_sub_prod(precision: int, instances: int, seed: int) -> CheckResult:
    """``joint_eq_prod_subProd``: the joint is the product of the subtree products of the
    root's child factors, at every full assignment (exact)."""
    def sides(ro, i, x):
        rhs = Fraction(1)
        for a in sorted(child_facs(ro, i)):
            rhs *= sub_prod(ro, ("fac", a), x)
        yield exact_joint(ro.fg, x), rhs
    return _identity_check(_trees(seed, instances), seed, precision, sides)


def check_table_reads_only(precision: int, instances: int, seed: int) -> CheckResult:
    """``table_readsOnly``: a factor's table, as a function of the full assignment, reads only
    its scope (any graph: Lean's ``table_local`` field)."""
    def stmt(ro, i):
        fg = ro.fg
        return first_failure((reads_only({x: fg.table(a, x) for x in all_assignments(fg.n, fg.k)},
                                  fg.factors[a][0]), f"factor {a}")
                      for a in range(len(fg.factors)))
    return _discrete(any_graphs(seed, instances), seed, stmt, tree=False)


def check_sub_prod_reads_only(precision: int, instances: int, seed: int) -> CheckResult:
    """``subProd_readsOnly``: the subtree product of a factor with parent j reads only j and
    the variables of its subtree."""
    def stmt(ro, i):
        fg = ro.fg
        out = []
        for b, j in _factor_parents(ro):
            f = {x: sub_prod(ro, ("fac", b), x) for x in all_assignments(fg.n, fg.k)}
            out.append((reads_only(f, {j} | vars_of(ro, ("fac", b))), f"factor {b}"))
        return first_failure(out)
    return _discrete(_trees(seed, instances), seed, stmt)


def check_disjoint_scope_vars(precision: int, instances: int, seed: int) -> CheckResult:
    """``disjoint_scope_vars``: a factor's scope misses the variables below its grandchildren."""
    def stmt(ro, i):
        return first_failure((not set(ro.fg.factors[a][0]) & vars_of(ro, ("fac", b)),
                       f"a={a}, j={j}, b={b}")
                      for a, p in _factor_parents(ro) for j, b in _grandchildren(ro, a))
    return _discrete(_trees(seed, instances), seed, stmt)


def check_disjoint_vars(precision: int, instances: int, seed: int) -> CheckResult:
    """``disjoint_vars``: distinct factors at the same distance have disjoint variable sets."""
    def stmt(ro, i):
        m = len(ro.fg.factors)
        return first_failure((b == c or ro.dist[("fac", b)] != ro.dist[("fac", c)]
                       or not vars_of(ro, ("fac", b)) & vars_of(ro, ("fac", c)), f"b={b}, c={c}")
                      for b in range(m) for c in range(m))
    return _discrete(_trees(seed, instances), seed, stmt)


def check_disjoint_root_vars(precision: int, instances: int, seed: int) -> CheckResult:
    """``disjoint_root_vars``: the root is in no child factor's variable set."""
    def stmt(ro, i):
        return first_failure((i not in vars_of(ro, ("fac", a)), f"a={a}")
                      for a in sorted(child_facs(ro, i)))
    return _discrete(_trees(seed, instances), seed, stmt)
