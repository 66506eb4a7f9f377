"""Checks of ``lean/TBN/PearlFactor.lean``: sum-product is exact at the root of tree factor graphs
whose factors have any arity (Pearl), SPEC 3.2.

The Lean file works with rooted tree factor graphs, ``FTree``: ``leaf ev`` is one variable with
unary factor ``ev``; ``attach t k psi s`` hangs the ``k`` trees ``s[0], ..., s[k-1]`` below the
root of ``t`` through ONE factor of arity ``k + 1``, read as ``psi (root of t) (roots of the s i)``
(``k = 0``: a unary factor on the root).  Here the same trees are nested tuples
``("leaf", ev)`` and ``("attach", t, k, psi, children)`` with ``psi`` a dict
``{(v, (y_0, ..., y_{k-1})): entry}`` of exact `Fraction` entries, and every Lean definition has a
twin evaluated in mpmath:

* the exact side by brute force over all full assignments shaped like Lean's ``Asg``
  (``assignments``, ``root``, ``weight``, ``unnorm_root_marginal``, ``partition``), and
  independently by `tbn.exact.marginals` on the equivalent `tbn.graph.FactorGraph`
  (``to_factor_graph``);
* the BP side by the recursions of the Lean file (``fmsg``, ``up``, ``belief_after``, and at every
  variable ``dmsg`` and ``belief_at``; after synchronous rounds ``up_edge``, ``down_edge``,
  ``belief_at_after`` and ``rounds_needed``).

Deviations are relative, ``|lhs - rhs| / max(1, |lhs|, |rhs|)``, evaluated with `GUARD_DIGITS`
extra digits (signed tables cancel; see `tbn.checks.pearl`).  The unnormalised statements hold for
all real tables, so their checks draw negative entries and zeros too; checks against
`tbn.exact` draw positive tables, with extreme ratios (down to 1e-30) for beliefs near 0 and 1.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import mpmath
import numpy as np

from ..exact import marginals
from ..graph import Factor, FactorGraph, Variable
from . import _rooted as rooted
from ._base import CheckResult, to_mpf, worst_deviation
from ._rooted import domain_size, normalise, root, worst_gap
from ._draws import exact_entry, positive_entry, relative_gap

#: Extra working digits of every evaluation in this module (as in `tbn.checks.pearl`).
GUARD_DIGITS = 80

#: Largest factor arity drawn is ``MAX_CHILDREN + 1``.
MAX_CHILDREN = 3

__all__ = [
    "random_ftree", "random_factor", "size", "height", "assignments", "root", "weight",
    "unnorm_root_marginal", "partition", "root_marginal", "fmsg", "up", "bp_belief",
    "random_messages", "belief_after", "normalise", "to_factor_graph",
    "check_sum_mul_prod_fiber", "check_sum_unnorm_root_marginal",
    "check_fmsg_unnorm_root_marginal", "check_unnorm_root_marginal_attach",
    "check_up_eq_unnorm_root_marginal", "check_pearl_rooted", "check_belief_after_eq_up",
    "check_pearl_rounds", "check_sum_root_marginal",
    "positions", "val_at", "dmsg", "belief_at", "unnorm_marginal_at", "node_belief",
    "node_marginal", "check_unnorm_marginal_at_left", "check_unnorm_marginal_at_child",
    "check_belief_at_eq_unnorm_marginal_at", "check_sum_unnorm_node_marginal", "check_pearl_all",
    "random_down_messages", "up_edge", "down_edge", "belief_at_after", "rounds_needed",
    "check_rounds_needed_le", "check_belief_at_after_eq_belief_at", "check_pearl_rounds_all",
]


# --- random exact trees --------------------------------------------------------------------------

def _entry(rng: random.Random, positive: bool, signed: bool) -> Fraction:
    return positive_entry(rng) if positive else exact_entry(rng, signed=signed)


def random_factor(rng: random.Random, q: int, k: int, *, positive: bool = True,
                  signed: bool = False) -> dict:
    """A random table ``{(v, ys): entry}`` of a factor of arity ``k + 1`` over ``range(q)``."""
    return {(v, ys): _entry(rng, positive, signed)
            for v in range(q) for ys in itertools.product(range(q), repeat=k)}


def random_ftree(rng: random.Random, q: int, nodes: int, *, positive: bool = True,
                 signed: bool = False):
    """A random tree factor graph with ``nodes`` variables over values ``range(q)``.

    Every factor joins a parent to 1 to `MAX_CHILDREN` children (arity 2 to 4), and now and then a
    unary factor (arity 1, ``k = 0``) hangs on a variable; every shape can occur.  ``positive``:
    all entries > 0; otherwise entries may be zero, and negative too when ``signed``.
    """
    if nodes == 1:
        t = ("leaf", tuple(_entry(rng, positive, signed) for _ in range(q)))
    else:
        k = min(rng.randint(1, MAX_CHILDREN + 1), MAX_CHILDREN, nodes - 1)
        own = rng.randint(1, nodes - k)
        cuts = sorted(rng.sample(range(1, nodes - own), k - 1))
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [nodes - own])]
        t = ("attach", random_ftree(rng, q, own, positive=positive, signed=signed), k,
             random_factor(rng, q, k, positive=positive, signed=signed),
             tuple(random_ftree(rng, q, m, positive=positive, signed=signed) for m in sizes))
    if rng.random() < 0.15:
        t = ("attach", t, 0, random_factor(rng, q, 0, positive=positive, signed=signed), ())
    return t



def size(t) -> int:
    """Number of variables."""
    return 1 if t[0] == "leaf" else size(t[1]) + sum(size(c) for c in t[4])


def height(t) -> int:
    """Lean's ``height``: ``max (height t) ((sup over the children of their height) + 1)``, the
    sup of no children being 0."""
    if t[0] == "leaf":
        return 0
    return max(height(t[1]), max((height(c) for c in t[4]), default=0) + 1)


# --- the exact side (Lean: Asg, root, weight, unnormRootMarginal, partition, rootMarginal) -------

def assignments(t) -> list:
    """All full assignments, shaped like Lean's ``Asg t``: an int at a leaf, a pair
    ``(assignment of t, tuple of assignments of the children)`` at attach."""
    if t[0] == "leaf":
        return list(range(len(t[1])))
    return [(x, ys) for x in assignments(t[1])
            for ys in itertools.product(*(assignments(c) for c in t[4]))]



def weight(t, x) -> mpmath.mpf:
    """Product of every factor of the tree at the full assignment ``x``."""
    if t[0] == "leaf":
        return to_mpf(t[1][x])
    _, sub, _, psi, children = t
    x0, ys = x
    roots = tuple(root(c, y) for c, y in zip(children, ys))
    out = weight(sub, x0) * to_mpf(psi[(root(sub, x0), roots)])
    for c, y in zip(children, ys):
        out *= weight(c, y)
    return out


def unnorm_root_marginal(t) -> list:
    """Total weight of the assignments giving the root each value (brute force)."""
    return rooted.unnorm_root_marginal(t, assignments, weight)


def partition(t) -> mpmath.mpf:
    """Total weight of all full assignments (brute force)."""
    return rooted.partition(t, assignments, weight)


def root_marginal(t) -> list:
    """Lean's ``rootMarginal``: unnormalised marginal over the partition function (0 if Z = 0)."""
    return rooted.root_marginal(t, assignments, weight)


# --- the BP side (Lean: fmsg, up, bpBelief, Msgs, beliefAfter) -----------------------------------

def fmsg(psi: dict, k: int, q: int, b: list) -> list:
    """``fmsg psi b v = sum over y of psi v y * prod_i b i (y i)`` for every ``v``: the message of
    a factor of arity ``k + 1`` to its parent when child ``i`` sends ``b[i]``."""
    out = []
    for v in range(q):
        terms = []
        for ys in itertools.product(range(q), repeat=k):
            term = to_mpf(psi[(v, ys)])
            for i, y in enumerate(ys):
                term *= b[i][y]
            terms.append(term)
        out.append(mpmath.fsum(terms))
    return out


def up(t) -> list:
    """Unnormalised root belief: own evidence times the messages of all factors below the root."""
    if t[0] == "leaf":
        return [to_mpf(e) for e in t[1]]
    _, sub, k, psi, children = t
    return [a * m for a, m in zip(up(sub), fmsg(psi, k, domain_size(t), [up(c) for c in children]))]



def bp_belief(t) -> list:
    """Lean's ``bpBelief``: ``up`` normalised."""
    return normalise(up(t))


def random_messages(rng: random.Random, t, signed: bool = True):
    """Arbitrary initial messages shaped like Lean's ``Msgs t``: one vector per factor-to-parent
    edge, ``(messages of t, message of the new factor, tuple of the children's messages)``."""
    if t[0] == "leaf":
        return None
    return (random_messages(rng, t[1], signed),
            [to_mpf(exact_entry(rng, signed=signed)) for _ in range(domain_size(t))],
            tuple(random_messages(rng, c, signed) for c in t[4]))


def belief_after(t, rounds: int, m) -> list:
    """Unnormalised root belief after ``rounds`` synchronous rounds from initial messages ``m``."""
    if t[0] == "leaf":
        return [to_mpf(e) for e in t[1]]
    _, sub, k, psi, children = t
    own = belief_after(sub, rounds, m[0])
    if rounds == 0:
        edge = m[1]
    else:
        edge = fmsg(psi, k, domain_size(t), [belief_after(c, rounds - 1, mc)
                                    for c, mc in zip(children, m[2])])
    return [a * e for a, e in zip(own, edge)]


# --- the same tree as a factor graph, for tbn.exact and tbn.bp -----------------------------------

def to_factor_graph(t) -> tuple[FactorGraph, str]:
    """The factor graph of a tree with positive tables, and the name of its root variable.

    Variables are named ``x0, x1, ...`` in the order the tree lists them; each leaf's ``ev``
    becomes a unary factor and each ``attach`` one factor over ``(root of t, roots of the
    children in order)``, with its table's axes in that order.
    """
    q = domain_size(t)
    factors: list[Factor] = []
    counter = itertools.count()

    def build(node) -> str:
        if node[0] == "leaf":
            name = f"x{next(counter)}"
            factors.append(_factor((name,), np.array(node[1], dtype=object)))
            return name
        _, sub, k, psi, children = node
        parent = build(sub)
        names = [build(c) for c in children]
        table = np.empty((q,) * (k + 1), dtype=object)
        for (v, ys), entry in psi.items():
            table[(v,) + ys] = entry
        factors.append(_factor((parent, *names), table))
        return parent

    root_name = build(t)
    variables = tuple(Variable(f"x{i}", tuple(str(v) for v in range(q))) for i in range(size(t)))
    return FactorGraph(variables, tuple(factors)), root_name


def _factor(names, exact: np.ndarray) -> Factor:
    return Factor(tuple(names), exact.astype(float), exact=exact)


# --- cases and deviations ------------------------------------------------------------------------


def _edge_trees(q: int) -> list:
    """A single variable, a lone unary factor, a 4-ary star with ties, and a chain through a
    3-ary factor under a unary one."""
    one = (Fraction(1),) * q
    leaf = ("leaf", one)
    flat = {k: {(v, ys): Fraction(1) for v in range(q)
                for ys in itertools.product(range(q), repeat=k)} for k in range(4)}
    star = ("attach", leaf, 3, flat[3], (leaf, leaf, leaf))
    unary = ("attach", leaf, 0, {(v, ()): Fraction(v + 1) for v in range(q)}, ())
    chain = ("attach", unary, 2, flat[2], (leaf, ("attach", leaf, 1, flat[1], (leaf,))))
    return [leaf, unary, star, chain]


def _ftrees(seed: int, instances: int, *, positive: bool, signed: bool = False,
            max_nodes: int = 7, qs=(2, 3)):
    """Edge cases first, then random trees (values 2 or 3, 1 to ``max_nodes`` variables)."""
    rng = random.Random(seed)
    edge = _edge_trees(qs[0])
    for case in edge[:instances]:
        yield case
    for _ in range(max(0, instances - len(edge))):
        q = rng.choice(qs)
        nodes = rng.randint(1, max_nodes if q == 2 else min(max_nodes, 5))
        yield random_ftree(rng, q, nodes, positive=positive, signed=signed)


def _exact_root(t, precision: int) -> list:
    fg, name = to_factor_graph(t)
    return marginals(fg, arithmetic="mpmath", dps=precision + GUARD_DIGITS)[name]


# --- one check per manifest theorem --------------------------------------------------------------

def check_sum_mul_prod_fiber(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_mul_prod_fiber``: sum_y g y * prod_i (sum_z [r_i z = y_i] w_i z)
    = sum over tuples z of g (r_i (z_i))_i * prod_i w_i (z_i)."""
    rng = random.Random(seed)

    def cases():
        for _ in range(instances):
            q, k = rng.randint(1, 3), rng.randint(0, MAX_CHILDREN)
            sizes = [rng.randint(1, 3) for _ in range(k)]
            r = [[rng.randrange(q) for _ in range(m)] for m in sizes]
            w = [[exact_entry(rng, signed=True) for _ in range(m)] for m in sizes]
            g = {ys: exact_entry(rng, signed=True)
                 for ys in itertools.product(range(q), repeat=k)}
            yield q, k, sizes, r, w, g

    def deviation(case):
        q, k, sizes, r, w, g = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            lhs = []
            for ys in itertools.product(range(q), repeat=k):
                term = to_mpf(g[ys])
                for i in range(k):
                    term *= mpmath.fsum(to_mpf(w[i][z]) for z in range(sizes[i])
                                        if r[i][z] == ys[i])
                lhs.append(term)
            rhs = []
            for zs in itertools.product(*(range(m) for m in sizes)):
                term = to_mpf(g[tuple(r[i][z] for i, z in enumerate(zs))])
                for i, z in enumerate(zs):
                    term *= to_mpf(w[i][z])
                rhs.append(term)
            return relative_gap(mpmath.fsum(lhs), mpmath.fsum(rhs))

    return worst_deviation(cases(), deviation)


def check_sum_unnorm_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_unnormRootMarginal``: the root marginal's weights add up to the partition function."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return relative_gap(mpmath.fsum(unnorm_root_marginal(t)), partition(t))

    return worst_deviation(_ftrees(seed, instances, positive=False, signed=True), deviation)


def check_fmsg_unnorm_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``fmsg_unnormRootMarginal``: the factor message of the children's exact marginals regroups
    the tuples of their full assignments by root values."""
    rng = random.Random(seed + 2)

    def cases():
        for _ in range(instances):
            q, k = rng.choice((2, 3)), rng.randint(0, MAX_CHILDREN)
            children = tuple(random_ftree(rng, q, rng.randint(1, 2), positive=False, signed=True)
                             for _ in range(k))
            yield q, k, random_factor(rng, q, k, positive=False, signed=True), children

    def deviation(case):
        q, k, psi, children = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            lhs = fmsg(psi, k, q, [unnorm_root_marginal(c) for c in children])
            rhs = []
            for v in range(q):
                terms = []
                for zs in itertools.product(*(assignments(c) for c in children)):
                    term = to_mpf(psi[(v, tuple(root(c, z) for c, z in zip(children, zs)))])
                    for c, z in zip(children, zs):
                        term *= weight(c, z)
                    terms.append(term)
                rhs.append(mpmath.fsum(terms))
            return worst_gap(zip(lhs, rhs))

    return worst_deviation(cases(), deviation)


def check_unnorm_root_marginal_attach(precision: int, instances: int, seed: int) -> CheckResult:
    """``unnormRootMarginal_attach``: the exact marginal of attach t k psi s factors."""
    rng = random.Random(seed + 3)

    def cases():
        for _ in range(instances):
            q, k = rng.choice((2, 3)), rng.randint(0, MAX_CHILDREN)
            sub = random_ftree(rng, q, rng.randint(1, 2), positive=False, signed=True)
            children = tuple(random_ftree(rng, q, rng.randint(1, 2), positive=False, signed=True)
                             for _ in range(k))
            yield ("attach", sub, k, random_factor(rng, q, k, positive=False, signed=True),
                   children)

    def deviation(t):
        _, sub, k, psi, children = t
        with mpmath.workdps(precision + GUARD_DIGITS):
            rhs = [a * m for a, m in zip(unnorm_root_marginal(sub),
                                         fmsg(psi, k, domain_size(t),
                                              [unnorm_root_marginal(c) for c in children]))]
            return worst_gap(zip(unnorm_root_marginal(t), rhs))

    return worst_deviation(cases(), deviation)


def check_up_eq_unnorm_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``up_eq_unnormRootMarginal``: upward sum-product equals brute-force summation."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(up(t), unnorm_root_marginal(t)))

    return worst_deviation(_ftrees(seed, instances, positive=False, signed=True), deviation)


def check_pearl_rooted(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_rooted``: the normalised BP root belief equals the exact marginal.

    The exact side is `tbn.exact.marginals` (variable elimination) on the tree's factor graph, an
    implementation independent of both the BP recursion and the brute-force sum.
    """
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(bp_belief(t), _exact_root(t, precision)))

    return worst_deviation(_ftrees(seed, instances, positive=True), deviation)


def check_belief_after_eq_up(precision: int, instances: int, seed: int) -> CheckResult:
    """``beliefAfter_eq_up``: after n >= height rounds from any messages, the belief is ``up``."""
    rng = random.Random(seed + 1)

    def cases():
        for t in _ftrees(seed, instances, positive=False, signed=True):
            yield t, height(t) + rng.randint(0, 2), random_messages(rng, t)

    def deviation(case):
        t, rounds, m = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(belief_after(t, rounds, m), up(t)))

    return worst_deviation(cases(), deviation)


def check_pearl_rounds(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_rounds``: after n >= height rounds from arbitrary messages, the normalised root
    belief equals the exact marginal (`tbn.exact.marginals`)."""
    rng = random.Random(seed + 4)

    def cases():
        for t in _ftrees(seed, instances, positive=True):
            yield t, height(t) + rng.randint(0, 2), random_messages(rng, t, signed=True)

    def deviation(case):
        t, rounds, m = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(normalise(belief_after(t, rounds, m)), _exact_root(t, precision)))

    return worst_deviation(cases(), deviation)


def check_sum_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_rootMarginal``: exact root marginals sum to one when Z != 0 (any real tables)."""
    def cases():
        drawn, attempt = 0, 0
        while drawn < instances:
            for t in _ftrees(seed + attempt, instances, positive=False, signed=True):
                with mpmath.workdps(precision + GUARD_DIGITS):
                    if drawn < instances and partition(t) != 0:  # the hypothesis
                        drawn += 1
                        yield t
            attempt += 1

    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return abs(mpmath.fsum(root_marginal(t)) - 1)

    return worst_deviation(cases(), deviation)


# --- every variable (Lean: Pos, valAt, dmsg, beliefAt, unnormMarginalAt, nodeMarginal) ---------

def positions(t) -> list:
    """All positions, shaped like Lean's ``Pos t``: ``("here",)``, ``("left", p)`` or
    ``("child", i, p)``; listed in the order `to_factor_graph` names the variables."""
    if t[0] == "leaf":
        return [("here",)]
    return ([("left", p) for p in positions(t[1])]
            + [("child", i, p) for i, c in enumerate(t[4]) for p in positions(c)])


def val_at(t, p, x) -> int:
    """The value the assignment ``x`` gives the variable at position ``p``."""
    if p[0] == "here":
        return x
    if p[0] == "left":
        return val_at(t[1], p[1], x[0])
    return val_at(t[4][p[1]], p[2], x[1][p[1]])


def dmsg(psi: dict, k: int, q: int, b: list, i: int, u: int, w: int) -> mpmath.mpf:
    """Lean's ``dmsg psi b i u w``: the sum over the tuples ``y`` with ``y[i] = w`` of
    ``psi u y * prod over j != i of b[j][y[j]]``."""
    terms = []
    for ys in itertools.product(range(q), repeat=k):
        if ys[i] != w:
            continue
        term = to_mpf(psi[(u, ys)])
        for j, y in enumerate(ys):
            if j != i:
                term *= b[j][y]
        terms.append(term)
    return mpmath.fsum(terms)


def belief_at(t, p, g) -> list:
    """Lean's ``beliefAt``: the two-pass sum-product belief of the variable at ``p`` when the root
    also receives the message ``g``."""
    if p[0] == "here":
        return [g[v] * to_mpf(e) for v, e in enumerate(t[1])]
    _, sub, k, psi, children = t
    q = domain_size(t)
    ups = [up(c) for c in children]
    if p[0] == "left":
        return belief_at(sub, p[1], [a * m for a, m in zip(g, fmsg(psi, k, q, ups))])
    i = p[1]
    own = up(sub)
    down = [mpmath.fsum(g[u] * own[u] * dmsg(psi, k, q, ups, i, u, w) for u in range(q))
            for w in range(q)]
    return belief_at(children[i], p[2], down)


def unnorm_marginal_at(t, p, g) -> list:
    """Lean's ``unnormMarginalAt`` by brute force: the weight of the assignments giving the
    variable at ``p`` each value, with the extra factor ``g`` at the root."""
    return rooted.weight_by_value(t, assignments, weight, lambda x: val_at(t, p, x), g)


def node_belief(t, p) -> list:
    """Lean's ``nodeBelief``: ``beliefAt t p 1`` normalised."""
    return normalise(belief_at(t, p, [mpmath.mpf(1)] * domain_size(t)))


def node_marginal(t, p) -> list:
    """Lean's ``nodeMarginal``: the unnormalised marginal over the partition function."""
    z = partition(t)
    return [m / z if z != 0 else mpmath.mpf(0)
            for m in unnorm_marginal_at(t, p, [mpmath.mpf(1)] * domain_size(t))]


def _side_cases(rng: random.Random, instances: int, side: str):
    """Random ``attach`` trees (signed tables) with one position on the given side and a signed
    extra factor ``g``; ``side = "child"`` needs at least one child."""
    for _ in range(instances):
        q = rng.choice((2, 3))
        k = rng.randint(1 if side == "child" else 0, MAX_CHILDREN)
        sub = random_ftree(rng, q, rng.randint(1, 2), positive=False, signed=True)
        children = tuple(random_ftree(rng, q, rng.randint(1, 2), positive=False, signed=True)
                         for _ in range(k))
        t = ("attach", sub, k, random_factor(rng, q, k, positive=False, signed=True), children)
        p = rng.choice([p for p in positions(t) if p[0] == side])
        g = [to_mpf(exact_entry(rng, signed=True)) for _ in range(q)]
        yield t, p, g


def check_unnorm_marginal_at_left(precision: int, instances: int, seed: int) -> CheckResult:
    """``unnormMarginalAt_left``: a variable of ``t`` sees the children through the factor's
    message of their exact marginals."""
    rng = random.Random(seed + 5)

    def deviation(case):
        t, p, g = case
        _, sub, k, psi, children = t
        with mpmath.workdps(precision + GUARD_DIGITS):
            msg = fmsg(psi, k, domain_size(t), [unnorm_root_marginal(c) for c in children])
            rhs = unnorm_marginal_at(sub, p[1], [a * m for a, m in zip(g, msg)])
            return worst_gap(zip(unnorm_marginal_at(t, p, g), rhs))

    return worst_deviation(_side_cases(rng, instances, "left"), deviation)


def check_unnorm_marginal_at_child(precision: int, instances: int, seed: int) -> CheckResult:
    """``unnormMarginalAt_child``: a variable of ``s i`` sees the rest through the factor's
    downward message ``sum_u g u * Z_t(u) * dmsg psi Z i u w`` of exact marginals."""
    rng = random.Random(seed + 6)

    def deviation(case):
        t, p, g = case
        _, sub, k, psi, children = t
        q, i = domain_size(t), p[1]
        with mpmath.workdps(precision + GUARD_DIGITS):
            zs = [unnorm_root_marginal(c) for c in children]
            zt = unnorm_root_marginal(sub)
            down = [mpmath.fsum(g[u] * zt[u] * dmsg(psi, k, q, zs, i, u, w) for u in range(q))
                    for w in range(q)]
            rhs = unnorm_marginal_at(children[i], p[2], down)
            return worst_gap(zip(unnorm_marginal_at(t, p, g), rhs))

    return worst_deviation(_side_cases(rng, instances, "child"), deviation)


def check_belief_at_eq_unnorm_marginal_at(precision: int, instances: int,
                                          seed: int) -> CheckResult:
    """``beliefAt_eq_unnormMarginalAt``: the two-pass belief at every variable, with any extra
    factor ``g`` at the root, is the brute-force marginal (any real tables)."""
    rng = random.Random(seed + 7)

    def cases():
        for t in _ftrees(seed, instances, positive=False, signed=True, max_nodes=6):
            g = [to_mpf(exact_entry(rng, signed=True)) for _ in range(domain_size(t))]
            yield t, g

    def deviation(case):
        t, g = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            return max(worst_gap(zip(belief_at(t, p, g), unnorm_marginal_at(t, p, g)))
                       for p in positions(t))

    return worst_deviation(cases(), deviation)


def check_sum_unnorm_node_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_unnormNodeMarginal``: every variable's marginal weights add up to Z."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            ones = [mpmath.mpf(1)] * domain_size(t)
            return max(relative_gap(mpmath.fsum(unnorm_marginal_at(t, p, ones)), partition(t))
                       for p in positions(t))

    return worst_deviation(_ftrees(seed, instances, positive=False, signed=True), deviation)


def check_pearl_all(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_all``: at every variable the normalised two-pass belief equals the exact marginal,
    here `tbn.exact.marginals` of the variable of the same name in the tree's factor graph."""
    def deviation(t):
        fg, _ = to_factor_graph(t)
        with mpmath.workdps(precision + GUARD_DIGITS):
            exact = marginals(fg, arithmetic="mpmath", dps=precision + GUARD_DIGITS)
            return max(worst_gap(zip(node_belief(t, p), exact[f"x{n}"]))
                       for n, p in enumerate(positions(t)))

    return worst_deviation(_ftrees(seed, instances, positive=True), deviation)


# --- every variable after synchronous rounds (Lean: DMsgs, upEdge, downEdge, beliefAtAfter,
# roundsNeeded) ------------------------------------------------------------------------------------

def random_down_messages(rng: random.Random, t, signed: bool = True):
    """Arbitrary initial downward messages shaped like Lean's ``DMsgs t``: one vector per
    factor-to-child edge, ``(messages of t, list of one vector per child, tuple of the children's
    messages)``."""
    if t[0] == "leaf":
        return None
    q = domain_size(t)
    return (random_down_messages(rng, t[1], signed),
            [[to_mpf(exact_entry(rng, signed=signed)) for _ in range(q)] for _ in t[4]],
            tuple(random_down_messages(rng, c, signed) for c in t[4]))


def up_edge(psi: dict, k: int, q: int, children, e: list, ms, j: int) -> list:
    """Lean's ``upEdge``: the factor's message to its parent in round ``j``: ``e`` in round 0,
    then ``fmsg`` of the children's root beliefs after round ``j - 1``."""
    if j == 0:
        return e
    return fmsg(psi, k, q, [belief_after(c, j - 1, m) for c, m in zip(children, ms)])


def down_edge(psi: dict, k: int, q: int, sub, children, i: int, e: list, mt, ms, outside,
              j: int) -> list:
    """Lean's ``downEdge``: the factor's message to child ``i`` in round ``j``: ``e`` in round 0,
    then ``sum_u G(j-1)(u) * beliefAfter t (j-1) (u) * dmsg psi b i u w`` with ``b`` the children's
    root beliefs after round ``j - 1``."""
    if j == 0:
        return e
    g = outside(j - 1)
    own = belief_after(sub, j - 1, mt)
    bs = [belief_after(c, j - 1, m) for c, m in zip(children, ms)]
    return [mpmath.fsum(g[u] * own[u] * dmsg(psi, k, q, bs, i, u, w) for u in range(q))
            for w in range(q)]


def _cached(f):
    memo = {}

    def g(j):
        if j not in memo:
            memo[j] = f(j)
        return memo[j]
    return g


def belief_at_after(t, p, rounds: int, mu, md, outside) -> list:
    """Lean's ``beliefAtAfter``: the unnormalised belief of the variable at ``p`` after ``rounds``
    flooding rounds from initial upward messages ``mu`` (``Msgs``) and downward messages ``md``
    (``DMsgs``); ``outside(j)`` is the message into the root from outside ``t`` in round ``j``."""
    if p[0] == "here":
        return [g * to_mpf(e) for g, e in zip(outside(rounds), t[1])]
    _, sub, k, psi, children = t
    q = domain_size(t)
    if p[0] == "left":
        def new_outside(j):
            edge = up_edge(psi, k, q, children, mu[1], mu[2], j)
            return [a * b for a, b in zip(outside(j), edge)]
        return belief_at_after(sub, p[1], rounds, mu[0], md[0], _cached(new_outside))
    i = p[1]

    def down(j):
        return down_edge(psi, k, q, sub, children, i, md[1][i], mu[0], mu[2], outside, j)
    return belief_at_after(children[i], p[2], rounds, mu[2][i], md[2][i], _cached(down))


def _children_height(t) -> int:
    """``Finset.univ.sup fun l => height (s l)``: 0 without children."""
    return max((height(c) for c in t[4]), default=0)


def rounds_needed(t, p, d: int) -> int:
    """Lean's ``roundsNeeded``: going left, ``max d (children's sup height + 1)``; going to child
    ``i``, ``max d (max (height t) (children's sup height)) + 1``."""
    if p[0] == "here":
        return d
    if p[0] == "left":
        return rounds_needed(t[1], p[1], max(d, _children_height(t) + 1))
    return rounds_needed(t[4][p[1]], p[2], max(d, height(t[1]), _children_height(t)) + 1)


def check_rounds_needed_le(precision: int, instances: int, seed: int) -> CheckResult:
    """``roundsNeeded_le``: ``roundsNeeded t p d <= max d (height t) + height t`` at every
    position (a discrete statement: 0 when it holds, the excess otherwise)."""
    rng = random.Random(seed + 10)

    def cases():
        for t in _ftrees(seed, instances, positive=True, max_nodes=9, qs=(2,)):
            yield t, rng.randint(0, 4)

    def deviation(case):
        t, d = case
        h = height(t)
        return max(max(0, rounds_needed(t, p, d) - (max(d, h) + h)) for p in positions(t))

    return worst_deviation(cases(), deviation)


def check_belief_at_after_eq_belief_at(precision: int, instances: int,
                                       seed: int) -> CheckResult:
    """``beliefAtAfter_eq_beliefAt``: if the outside message is ``g`` from round ``d`` on (and
    arbitrary before), after ``roundsNeeded t p d`` or more rounds from arbitrary upward and
    downward messages the belief is the two-pass belief with outside factor ``g`` (any real
    tables)."""
    rng = random.Random(seed + 11)

    def cases():
        for t in _ftrees(seed, instances, positive=False, signed=True, max_nodes=5):
            q = domain_size(t)
            p = rng.choice(positions(t))
            d = rng.randint(0, 3)
            early = [[exact_entry(rng, signed=True) for _ in range(q)] for _ in range(d)]
            g = [exact_entry(rng, signed=True) for _ in range(q)]
            rounds = rounds_needed(t, p, d) + rng.randint(0, 2)
            yield (t, p, d, early, g, rounds, random_messages(rng, t),
                   random_down_messages(rng, t))

    def deviation(case):
        t, p, d, early, g, rounds, mu, md = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            gm = [to_mpf(x) for x in g]

            def outside(j):
                return [to_mpf(x) for x in early[j]] if j < d else gm
            return worst_gap(zip(belief_at_after(t, p, rounds, mu, md, outside),
                              belief_at(t, p, gm)))

    return worst_deviation(cases(), deviation)


def check_pearl_rounds_all(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_rounds_all``: after ``roundsNeeded t p 0`` or more flooding rounds from arbitrary
    upward and downward messages, every variable's normalised belief is its exact marginal
    (`tbn.exact.marginals` on the tree's factor graph)."""
    rng = random.Random(seed + 12)

    def cases():
        for t in _ftrees(seed, instances, positive=True, max_nodes=5):
            extra = [rng.randint(0, 2) for _ in positions(t)]
            yield t, extra, random_messages(rng, t), random_down_messages(rng, t)

    def deviation(case):
        t, extra, mu, md = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            fg, _ = to_factor_graph(t)
            exact = marginals(fg, arithmetic="mpmath", dps=precision + GUARD_DIGITS)
            one = [mpmath.mpf(1)] * domain_size(t)
            worst = mpmath.mpf(0)
            for n, p in enumerate(positions(t)):
                rounds = rounds_needed(t, p, 0) + extra[n]
                got = normalise(belief_at_after(t, p, rounds, mu, md, lambda j: one))
                worst = max(worst, worst_gap(zip(got, exact[f"x{n}"])))
            return worst

    return worst_deviation(cases(), deviation)
