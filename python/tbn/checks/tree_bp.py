"""Checks of ``lean/TBN/TreeBP.lean``: Pearl's theorem for flat tree factor graphs (SPEC 3.2).

The BP side is the literal Lean twin of `tbn.checks.sum_product` (``bpRounds`` from
``uniformMessages``, messages unnormalised, factor-to-variable messages summed over all ``k ** n``
full assignments), in mpmath at the working precision; the exact side is the Lean ``marginal`` of
`tbn.checks.factor_graph` and, whenever Z != 0, `tbn.exact.marginals` (variable elimination) on
the same model.  Subtree products are those of `tbn.checks.tree_local`.  BP does not depend on
the root, so each tree's messages are computed once per round and every variable serves as root.

``up_message`` says "∃ c > 0, ∀ v, message(v) = c * S(v)": for nonnegative vectors that is
"both zero, or both nonzero and proportional"; `proportional_gap` measures it with
``c = max L / max S`` (one positive constant for all values), relative to ``max L``.  Beliefs
and marginals are probabilities: absolute gaps.  Trees: `tbn.checks.tree_graph.tree_graphs`
(zero and extreme table entries, factors of arity 1 to 4, one-variable trees), kept at most
``k ** n <= 243`` full assignments (flat BP costs ``k ** n`` per message).
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Iterable

import mpmath

from ..exact import marginals
from ._base import CheckResult, to_mpf, worst_deviation
from .factor_graph import LeanGraph, marginal, partition, to_factor_graph
from .sum_product import belief, bp_round, is_tree, num_nodes, uniform_messages
from .tree_graph import Rooting, tree_graphs
from .tree_local import sub_prod
from .block_sum import all_assignments

__all__ = [
    "message_history", "subtree_marginal", "proportional_gap", "up_message_gaps",
    "pearl_gap", "factor_depth", "path_tree", "small_trees",
    "check_up_message", "check_pearl_tree", "check_pearl_tree_num_nodes",
]

MAX_ASSIGNMENTS = 243


def message_history(fg: LeanGraph, rounds: int) -> list:
    """``[bpRounds fg t uniformMessages for t in 0..rounds]`` (one round at a time)."""
    out = [uniform_messages(fg)]
    for _ in range(rounds):
        out.append(bp_round(fg, out[-1]))
    return out


def subtree_marginal(ro: Rooting, a: int, p: int) -> list:
    """``v ↦ ∑ y, if y p = v then subProd i (inr a) y else 0``."""
    out = [mpmath.mpf(0)] * ro.fg.k
    for y in all_assignments(ro.fg.n, ro.fg.k):
        out[y[p]] += to_mpf(sub_prod(ro, ("fac", a), y))
    return out


def proportional_gap(L: list, S: list) -> mpmath.mpf:
    """How far nonnegative ``L`` is from ``c * S`` with one ``c > 0``: 0 if both vanish, 1 if
    exactly one does (or an entry is negative), else ``max |L - c S| / max L`` with
    ``c = max L / max S``."""
    if min(L + S, default=0) < 0:
        return mpmath.mpf(1)
    mL, mS = max(L, default=0), max(S, default=0)
    if mL == 0 and mS == 0:
        return mpmath.mpf(0)
    if mL == 0 or mS == 0:
        return mpmath.mpf(1)
    c = mL / mS
    return max(abs(l - c * s) for l, s in zip(L, S)) / mL


def _factor_parents(ro: Rooting):
    for a in range(len(ro.fg.factors)):
        q = ro.par[("fac", a)]
        if q[0] == "var":
            yield a, q[1]


def up_message_gaps(fg: LeanGraph, history: list, i: int, slack: int = 0) -> list:
    """``(gap, t, a, p)`` for every round ``t`` of ``history`` and factor ``a`` with parent
    variable ``p`` satisfying ``ecc + 1 <= t + bfsDist (inr a) + slack`` (``slack = 0``: the
    Lean hypothesis; tests use ``slack > 0`` for too few rounds)."""
    ro = Rooting(fg, ("var", i))
    out = []
    for a, p in _factor_parents(ro):
        S = subtree_marginal(ro, a, p)
        for t, mu in enumerate(history):
            if ro.ecc + 1 <= t + ro.dist[("fac", a)] + slack:
                out.append((proportional_gap(mu[a][p], S), t, a, p))
    return out


def pearl_gap(fg: LeanGraph, mu, i: int, precision: int) -> mpmath.mpf:
    """Largest gap between the belief of ``i`` from messages ``mu`` and the exact marginal:
    Lean's ``marginal`` (0 when Z = 0) and, when Z != 0, `tbn.exact.marginals`."""
    mine = belief(fg, mu, i)
    gap = max(abs(a - b) for a, b in zip(mine, marginal(fg, i)))
    if partition(fg) != 0:
        exact = marginals(to_factor_graph(fg), arithmetic="mpmath", dps=precision)[f"x{i}"]
        gap = max(gap, max(abs(a - b) for a, b in zip(mine, exact)))
    return gap


def factor_depth(fg: LeanGraph, i: int) -> int:
    """The number of factor levels below root ``i``: the rounds flat BP really needs there
    (a leaf factor's message is exact after one round, its parent's one round later, ...)."""
    ro = Rooting(fg, ("var", i))
    def depth(a):
        below = [b for b in range(len(fg.factors)) for j in range(fg.n)
                 if ro.par[("var", j)] == ("fac", a) and ro.par[("fac", b)] == ("var", j)]
        return 1 + max((depth(b) for b in below), default=0)
    return max((depth(a) for a in range(len(fg.factors)) if ro.par[("fac", a)] == ("var", i)),
               default=0)


def path_tree(rng: random.Random, m: int, k: int = 2) -> LeanGraph:
    """A path ``x0 - x1 - ... - x(m-1)`` of pairwise factors with a unary factor on the last
    variable: rooted at ``x0`` it has ``m`` factor levels and eccentricity ``2m - 1``.
    Positive tables favouring equal neighbours and a skewed end, so the far end visibly moves
    the belief of ``x0`` (generic tables wash the end out along a long path)."""
    def coupling():
        return {(u, v): Fraction(rng.randint(20, 40) if u == v else rng.randint(1, 3))
                for u in range(k) for v in range(k)}
    end = {(v,): Fraction(rng.randint(1, 3) if v else rng.randint(30, 60)) for v in range(k)}
    factors = [((j, j + 1), coupling()) for j in range(m - 1)] + [((m - 1,), end)]
    return LeanGraph(m, k, tuple(factors))


def small_trees(seed: int, instances: int) -> Iterable[LeanGraph]:
    """Trees with at least one variable and at most `MAX_ASSIGNMENTS` full assignments:
    `tree_graphs` (redrawn when too large; one value per variable, where every belief is 1,
    mostly redrawn too), with a zero-partition tree and a long path among the edge cases."""
    rng = random.Random(seed + 13)
    zero = LeanGraph(2, 2, (((0, 1), {(0, 0): Fraction(0), (0, 1): Fraction(0),
                                      (1, 0): Fraction(0), (1, 1): Fraction(0)}),
                            ((1,), {(0,): Fraction(2), (1,): Fraction(3)})))
    edge = [zero, path_tree(rng, 4, 2)]
    source = tree_graphs(seed, 10 * instances + 10, max_n=5)
    j = 0
    for fg in source:
        if j >= instances:
            return
        if j < len(edge):
            fg = edge[j]
        elif fg.n == 0 or fg.k ** fg.n > MAX_ASSIGNMENTS or (fg.k == 1 and rng.random() < 0.85):
            continue
        j += 1
        yield fg


# --- one check per manifest theorem --------------------------------------------------------------

def _tree_check(seed: int, instances: int, precision: int, deviation) -> CheckResult:
    """Run ``deviation(fg)`` (mpmath at ``precision``) on `small_trees`; 1 for a non-tree."""
    def dev(fg):
        if not is_tree(fg):
            return 1
        with mpmath.workdps(precision):
            return deviation(fg)
    return worst_deviation(small_trees(seed, instances), dev)


def check_up_message(precision: int, instances: int, seed: int) -> CheckResult:
    """``up_message``: after t rounds with ``ecc + 1 <= t + bfsDist (inr a)``, the message from
    factor a to its parent p is ``c * ∑ y, [y p = v] subProd (inr a) y`` with one ``c > 0`` for
    all v; every variable as root, every such (t, a), t up to ``max ecc + 1``."""
    def deviation(fg):
        eccs = [Rooting(fg, ("var", i)).ecc for i in range(fg.n)]
        history = message_history(fg, max(eccs, default=0) + 1)
        return max((g for i in range(fg.n) for g, *_ in up_message_gaps(fg, history, i)),
                   default=mpmath.mpf(0))
    return _tree_check(seed, instances, precision, deviation)


def check_pearl_tree(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_tree``: after ``ecc (inl i)`` rounds (and one more), the belief of i is its
    marginal (Lean's, and `tbn.exact.marginals` when Z != 0; Z = 0 gives 0 on both sides)."""
    def deviation(fg):
        eccs = [Rooting(fg, ("var", i)).ecc for i in range(fg.n)]
        history = message_history(fg, max(eccs, default=0) + 1)
        return max(pearl_gap(fg, history[T], i, precision)
                   for i in range(fg.n) for T in (eccs[i], eccs[i] + 1))
    return _tree_check(seed, instances, precision, deviation)


def check_pearl_tree_num_nodes(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_tree_numNodes``: after ``numNodes`` rounds (and one more) every belief is the
    marginal."""
    def deviation(fg):
        T = num_nodes(fg)
        history = message_history(fg, T + 1)
        return max(pearl_gap(fg, history[t], i, precision)
                   for i in range(fg.n) for t in (T, T + 1))
    return _tree_check(seed, instances, precision, deviation)
