"""Checks of ``lean/TBN/Pearl.lean``: sum-product on rooted trees is exact (Pearl), SPEC 3.2.

The Lean file works with rooted pairwise trees, ``RTree``: ``leaf ev`` is one node with unary
factor ``ev``; ``attach t psi s`` hangs ``s`` below the root of ``t`` through
``psi[parent][child]``.  Here the same trees are nested tuples ``("leaf", ev)`` and
``("attach", t, psi, s)`` with exact `Fraction` entries, and every Lean definition has a twin
evaluated in mpmath:

* the exact side by brute force over all full assignments (``assignments``, ``root``, ``weight``,
  ``unnorm_root_marginal``, ``partition``, ``unnorm_marginal_at``), and independently by
  `tbn.exact.marginals` on the equivalent `tbn.graph.FactorGraph` (``to_factor_graph``);
* the BP side by the recursions of the Lean file (``msg``, ``up``, ``belief_after``,
  ``belief_at``, ``belief_at_after``).

Deviations are relative, ``|lhs - rhs| / max(1, |lhs|, |rhs|)``, since products of many factors
can be large.  Both sides are evaluated with `GUARD_DIGITS` digits beyond the requested precision:
signed tables cancel (sums of products up to 1e120 that nearly vanish) and ``1 - p`` with ``p``
within 1e-30 of 1 loses 30 digits; that is the evaluation's loss, not the statement's, and a false
statement still deviates by far more than the tolerance.  The theorems hold for all real tables,
so the unnormalised checks also draw negative entries and zeros; checks against `tbn.exact` draw
positive tables (a factor graph's tables are nonnegative), with extreme ratios (down to 1e-30)
for beliefs near 0 and 1.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import mpmath
import numpy as np

from ..algebra import mp_oplus
from ..bp import oplus_bp
from ..exact import marginals
from ..graph import Factor, FactorGraph, Variable
from . import _rooted as rooted
from ._base import CheckResult, to_mpf, worst_deviation
from ._rooted import domain_size, normalise, root, worst_gap
from ._draws import exact_entry, positive_entry, relative_gap

#: Extra working digits of every evaluation in this module (see the module docstring).
GUARD_DIGITS = 80

__all__ = [
    "random_tree", "assignments", "root", "weight", "unnorm_root_marginal", "partition",
    "root_marginal", "msg", "up", "bp_belief", "height", "random_messages", "belief_after",
    "copy_factor", "or_node", "to_factor_graph", "size",
    "check_sum_mul_fiber", "check_sum_unnorm_root_marginal", "check_belief_after_eq_up",
    "check_msg_unnorm_root_marginal", "check_unnorm_root_marginal_attach",
    "check_up_eq_unnorm_root_marginal", "check_pearl_rooted", "check_pearl_rounds",
    "check_msg_copy_factor", "check_up_or_node", "check_normalize_mul_eq_oplus",
    "check_bp_belief_or_node_eq_oplus", "check_sum_root_marginal",
    "random_or_tree", "or_to_rtree", "oplus_fold", "or_tree_oplus_bp",
    "check_up_to_rtree_pos", "check_bp_belief_to_rtree",
    "positions", "val_at", "belief_at", "unnorm_marginal_at", "node_belief", "node_marginal",
    "check_unnorm_marginal_at_left", "check_unnorm_marginal_at_right",
    "check_belief_at_eq_unnorm_marginal_at", "check_sum_unnorm_node_marginal", "check_pearl_all",
    "belief_at_after", "rounds_needed", "eccentricities",
    "check_belief_at_after_eq_belief_at", "check_pearl_rounds_all",
]


# --- random exact numbers and trees ------------------------------------------------------------

def _vector(rng, k, signed, positive):
    return tuple(positive_entry(rng) if positive else exact_entry(rng, signed=signed)
                 for _ in range(k))


def random_tree(rng: random.Random, k: int, nodes: int, *, positive: bool = True,
                signed: bool = False):
    """A random rooted tree with ``nodes`` nodes over values ``range(k)`` (every shape can occur).

    ``positive``: all entries > 0 (a valid factor graph with positive weights); otherwise entries
    may be zero, and negative too when ``signed``.
    """
    if nodes == 1:
        return ("leaf", _vector(rng, k, signed, positive))
    left = rng.randint(1, nodes - 1)
    psi = tuple(_vector(rng, k, signed, positive) for _ in range(k))
    return ("attach", random_tree(rng, k, left, positive=positive, signed=signed), psi,
            random_tree(rng, k, nodes - left, positive=positive, signed=signed))


def size(t) -> int:
    """Number of nodes."""
    return 1 if t[0] == "leaf" else size(t[1]) + size(t[3])



# --- the exact side (Lean: Asg, root, weight, unnormRootMarginal, partition, rootMarginal) -----

def assignments(t):
    """All full assignments, shaped like Lean's ``Asg t``: an int at a leaf, a pair at attach."""
    if t[0] == "leaf":
        return list(range(len(t[1])))
    return list(itertools.product(assignments(t[1]), assignments(t[3])))



def weight(t, x) -> mpmath.mpf:
    """Product of every factor of the tree at the full assignment ``x``."""
    if t[0] == "leaf":
        return to_mpf(t[1][x])
    _, sub, psi, child = t
    return (weight(sub, x[0]) * to_mpf(psi[root(sub, x[0])][root(child, x[1])])
            * weight(child, x[1]))


def unnorm_root_marginal(t) -> list:
    """Total weight of the assignments giving the root each value (brute force)."""
    return rooted.unnorm_root_marginal(t, assignments, weight)


def partition(t) -> mpmath.mpf:
    """Total weight of all full assignments (brute force)."""
    return rooted.partition(t, assignments, weight)


def root_marginal(t) -> list:
    """Lean's ``rootMarginal``: unnormalised marginal over the partition function (0 if Z = 0)."""
    return rooted.root_marginal(t, assignments, weight)


# --- the BP side (Lean: msg, up, bpBelief, Msgs, beliefAfter, height) --------------------------

def msg(psi, b) -> list:
    """``msg psi b v = sum_w psi v w * b w`` for every ``v``."""
    return [mpmath.fsum(to_mpf(psi[v][w]) * b[w] for w in range(len(b))) for v in range(len(psi))]


def up(t) -> list:
    """Unnormalised root belief: own evidence times the messages of all children."""
    if t[0] == "leaf":
        return [to_mpf(e) for e in t[1]]
    _, sub, psi, child = t
    return [a * m for a, m in zip(up(sub), msg(psi, up(child)))]



def bp_belief(t) -> list:
    """Lean's ``bpBelief``: ``up`` normalised (0 where the total is 0, as Lean's x / 0 = 0)."""
    return normalise(up(t))


def height(t) -> int:
    """Depth of the deepest node below the root."""
    return 0 if t[0] == "leaf" else max(height(t[1]), height(t[3]) + 1)


def random_messages(rng: random.Random, t, signed: bool = True):
    """Arbitrary initial messages shaped like Lean's ``Msgs t``: one vector per edge."""
    if t[0] == "leaf":
        return None
    k = domain_size(t)
    return (random_messages(rng, t[1], signed),
            [to_mpf(exact_entry(rng, signed=signed)) for _ in range(k)],
            random_messages(rng, t[3], signed))


def belief_after(t, rounds: int, m) -> list:
    """Unnormalised root belief after ``rounds`` synchronous rounds from initial messages ``m``."""
    if t[0] == "leaf":
        return [to_mpf(e) for e in t[1]]
    _, sub, psi, child = t
    own = belief_after(sub, rounds, m[0])
    edge = m[1] if rounds == 0 else msg(psi, belief_after(child, rounds - 1, m[2]))
    return [a * e for a, e in zip(own, edge)]


def copy_factor(k: int):
    """Lean's ``copyFactor``: the k x k identity table."""
    return tuple(tuple(Fraction(int(v == w)) for w in range(k)) for v in range(k))


def or_node(s0, s1):
    """Lean's ``orNode``: uniform own evidence, two children joined by copy factors."""
    k = domain_size(s0)
    return ("attach", ("attach", ("leaf", (Fraction(1),) * k), copy_factor(k), s0),
            copy_factor(k), s1)


# --- the same tree as a factor graph, for tbn.exact -------------------------------------------

def to_factor_graph(t) -> tuple[FactorGraph, str]:
    """The factor graph of a tree with positive tables, and the name of its root variable.

    Nodes are named ``x0, x1, ...`` in the order the tree lists them; each leaf's ``ev`` becomes a
    unary factor and each ``attach`` a pairwise factor over (root of t, root of s).
    """
    k = domain_size(t)
    factors: list[Factor] = []
    counter = itertools.count()

    def build(node) -> str:
        if node[0] == "leaf":
            name = f"x{next(counter)}"
            factors.append(_factor((name,), list(node[1])))
            return name
        parent = build(node[1])
        child = build(node[3])
        factors.append(_factor((parent, child), [list(row) for row in node[2]]))
        return parent

    root_name = build(t)
    variables = tuple(Variable(f"x{i}", tuple(str(v) for v in range(k)))
                      for i in range(size(t)))
    return FactorGraph(variables, tuple(factors)), root_name


def _factor(names, exact) -> Factor:
    table = np.array(exact, dtype=object)
    return Factor(tuple(names), table.astype(float), exact=table)


# --- deviations ---------------------------------------------------------------------------------


def _trees(seed: int, instances: int, *, positive: bool, signed: bool = False, max_nodes: int = 6,
           ks=(2, 3)):
    """Edge cases first (a single node, a chain, a star with ties), then random trees."""
    rng = random.Random(seed)
    k = ks[0]
    one = (Fraction(1),) * k
    flat = tuple(one for _ in range(k))
    chain = ("attach", ("leaf", one), flat, ("attach", ("leaf", one), flat, ("leaf", one)))
    star = ("attach", ("attach", ("leaf", one), flat, ("leaf", one)), flat, ("leaf", one))
    edge = [("leaf", one), chain, star]
    for case in edge[:instances]:
        yield case
    for _ in range(max(0, instances - len(edge))):
        yield random_tree(rng, rng.choice(ks), rng.randint(1, max_nodes), positive=positive,
                          signed=signed)


# --- one check per manifest theorem -------------------------------------------------------------

def check_sum_mul_fiber(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_mul_fiber``: sum_c g c * (sum_y [r y = c] w y) = sum_y g (r y) * w y."""
    rng = random.Random(seed)

    def cases():
        for _ in range(instances):
            k, m = rng.randint(1, 4), rng.randint(1, 8)
            r = [rng.randrange(k) for _ in range(m)]
            g = [exact_entry(rng, signed=True) for _ in range(k)]
            w = [exact_entry(rng, signed=True) for _ in range(m)]
            yield r, g, w, k

    def deviation(case):
        r, g, w, k = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            lhs = mpmath.fsum(to_mpf(g[c]) * mpmath.fsum(to_mpf(w[y]) for y in range(len(r))
                                                         if r[y] == c)
                              for c in range(k))
            rhs = mpmath.fsum(to_mpf(g[r[y]]) * to_mpf(w[y]) for y in range(len(r)))
            return relative_gap(lhs, rhs)

    return worst_deviation(cases(), deviation)


def check_sum_unnorm_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_unnormRootMarginal``: the root marginal's weights add up to the partition function."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return relative_gap(mpmath.fsum(unnorm_root_marginal(t)), partition(t))

    return worst_deviation(_trees(seed, instances, positive=False, signed=True), deviation)


def check_belief_after_eq_up(precision: int, instances: int, seed: int) -> CheckResult:
    """``beliefAfter_eq_up``: after k >= height rounds from any messages, the belief is ``up``."""
    rng = random.Random(seed + 1)

    def cases():
        for t in _trees(seed, instances, positive=False, signed=True):
            yield t, height(t) + rng.randint(0, 2), random_messages(rng, t)

    def deviation(case):
        t, rounds, m = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(belief_after(t, rounds, m), up(t)))

    return worst_deviation(cases(), deviation)


def check_msg_unnorm_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``msg_unnormRootMarginal``: a subtree's message regroups its assignments by root value."""
    rng = random.Random(seed + 2)

    def cases():
        for s in _trees(seed, instances, positive=False, signed=True):
            k = domain_size(s)
            yield tuple(_vector(rng, k, True, False) for _ in range(k)), s

    def deviation(case):
        psi, s = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            lhs = msg(psi, unnorm_root_marginal(s))
            rhs = [mpmath.fsum(to_mpf(psi[v][root(s, y)]) * weight(s, y) for y in assignments(s))
                   for v in range(len(psi))]
            return worst_gap(zip(lhs, rhs))

    return worst_deviation(cases(), deviation)


def check_unnorm_root_marginal_attach(precision: int, instances: int, seed: int) -> CheckResult:
    """``unnormRootMarginal_attach``: the exact marginal of attach t psi s factors."""
    rng = random.Random(seed + 3)

    def cases():
        for _ in range(instances):
            k = rng.choice((2, 3))
            a, b = rng.randint(1, 3), rng.randint(1, 3)
            yield ("attach", random_tree(rng, k, a, positive=False, signed=True),
                   tuple(_vector(rng, k, True, False) for _ in range(k)),
                   random_tree(rng, k, b, positive=False, signed=True))

    def deviation(t):
        _, sub, psi, child = t
        with mpmath.workdps(precision + GUARD_DIGITS):
            rhs = [a * m for a, m in zip(unnorm_root_marginal(sub),
                                         msg(psi, unnorm_root_marginal(child)))]
            return worst_gap(zip(unnorm_root_marginal(t), rhs))

    return worst_deviation(cases(), deviation)


def check_up_eq_unnorm_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``up_eq_unnormRootMarginal``: upward sum-product equals brute-force summation."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(up(t), unnorm_root_marginal(t)))

    return worst_deviation(_trees(seed, instances, positive=False, signed=True), deviation)


def _exact_root(t, precision: int) -> list:
    fg, name = to_factor_graph(t)
    return marginals(fg, arithmetic="mpmath", dps=precision + GUARD_DIGITS)[name]


def check_pearl_rooted(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_rooted``: the normalised BP root belief equals the exact marginal.

    The exact side is `tbn.exact.marginals` (variable elimination) on the tree's factor graph, an
    implementation independent of both the BP recursion and the brute-force sum.
    """
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(bp_belief(t), _exact_root(t, precision)))

    return worst_deviation(_trees(seed, instances, positive=True, max_nodes=5), deviation)


def check_pearl_rounds(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_rounds``: after k >= height rounds from arbitrary messages, the normalised root
    belief equals the exact marginal (`tbn.exact.marginals`)."""
    rng = random.Random(seed + 4)

    def cases():
        for t in _trees(seed, instances, positive=True, max_nodes=7):
            yield t, height(t) + rng.randint(0, 2), random_messages(rng, t, signed=True)

    def deviation(case):
        t, rounds, m = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(normalise(belief_after(t, rounds, m)), _exact_root(t, precision)))

    return worst_deviation(cases(), deviation)


def check_msg_copy_factor(precision: int, instances: int, seed: int) -> CheckResult:
    """``msg_copyFactor``: over a copy factor, a child's message is its own belief."""
    rng = random.Random(seed)

    def cases():
        for _ in range(instances):
            k = rng.randint(1, 5)
            yield k, [exact_entry(rng, signed=True) for _ in range(k)]

    def deviation(case):
        k, b = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(msg(copy_factor(k), [to_mpf(x) for x in b]), [to_mpf(x) for x in b]))

    return worst_deviation(cases(), deviation)


def _pairs(seed: int, instances: int, *, positive: bool, signed: bool = False, k=None):
    rng = random.Random(seed)
    for _ in range(instances):
        kk = k or rng.choice((2, 3))
        yield (random_tree(rng, kk, rng.randint(1, 4), positive=positive, signed=signed),
               random_tree(rng, kk, rng.randint(1, 4), positive=positive, signed=signed))


def check_up_or_node(precision: int, instances: int, seed: int) -> CheckResult:
    """``up_orNode``: at an orNode the BP belief is the product of the children's beliefs."""
    def deviation(case):
        s0, s1 = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            return worst_gap(zip(up(or_node(s0, s1)), [a * b for a, b in zip(up(s0), up(s1))]))

    return worst_deviation(_pairs(seed, instances, positive=False, signed=True), deviation)


def check_normalize_mul_eq_oplus(precision: int, instances: int, seed: int) -> CheckResult:
    """``normalize_mul_eq_oplus``: normalising a product of positive binary vectors is oplus
    (`tbn.algebra.mp_oplus`) of their normalisations."""
    rng = random.Random(seed)

    def cases():
        yield (Fraction(1),) * 4                      # ties: 1/2 oplus 1/2
        yield (Fraction(1, 10 ** 30), Fraction(1), Fraction(1), Fraction(1, 10 ** 30))
        for _ in range(max(0, instances - 2)):
            yield tuple(positive_entry(rng) for _ in range(4))

    def deviation(case):
        with mpmath.workdps(precision + GUARD_DIGITS):
            a0, c0, a1, c1 = (to_mpf(x) for x in case)
            lhs = a0 * a1 / (a0 * a1 + c0 * c1)
            return relative_gap(lhs, mp_oplus(a0 / (a0 + c0), a1 / (a1 + c1)))

    return worst_deviation(cases(), deviation)


def check_bp_belief_or_node_eq_oplus(precision: int, instances: int, seed: int) -> CheckResult:
    """``bpBelief_orNode_eq_oplus``: a binary orNode's BP belief in ``true`` (value 1) is oplus
    of its children's beliefs (positive tables)."""
    def deviation(case):
        s0, s1 = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            lhs = bp_belief(or_node(s0, s1))[1]
            return relative_gap(lhs, mp_oplus(bp_belief(s0)[1], bp_belief(s1)[1]))

    return worst_deviation(_pairs(seed, instances, positive=True, k=2), deviation)


def check_sum_root_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_rootMarginal``: exact root marginals sum to one when Z != 0 (any real tables)."""
    def cases():
        drawn, attempt = 0, 0
        while drawn < instances:
            for t in _trees(seed + attempt, instances, positive=False, signed=True):
                with mpmath.workdps(precision + GUARD_DIGITS):
                    if drawn < instances and partition(t) != 0:  # the hypothesis
                        drawn += 1
                        yield t
            attempt += 1

    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return abs(mpmath.fsum(root_marginal(t)) - 1)

    return worst_deviation(cases(), deviation)


# --- OR trees (Lean: OrTree, toRTree, oplusFold, Valid) -----------------------------------------

def random_or_tree(rng: random.Random, leaves: int):
    """``("leaf", p)`` with ``p`` in (0, 1) (sometimes within 1e-30 of 0 or 1), or
    ``("node", l, r)``."""
    if leaves == 1:
        kind = rng.random()
        if kind < 0.1:
            p = Fraction(1, 10 ** rng.randint(5, 30))
        elif kind < 0.2:
            p = 1 - Fraction(1, 10 ** rng.randint(5, 30))
        else:
            q = rng.randint(2, 50)
            p = Fraction(rng.randint(1, q - 1), q)
        return ("leaf", p)
    left = rng.randint(1, leaves - 1)
    return ("node", random_or_tree(rng, left), random_or_tree(rng, leaves - left))


def or_to_rtree(t):
    """Lean's ``OrTree.toRTree``: leaf ``(1 - p, p)``; node an ``or_node`` of the two subtrees."""
    if t[0] == "leaf":
        return ("leaf", (1 - t[1], t[1]))
    return or_node(or_to_rtree(t[1]), or_to_rtree(t[2]))


def oplus_fold(t) -> mpmath.mpf:
    """Lean's ``OrTree.oplusFold``, with `tbn.algebra.mp_oplus`."""
    if t[0] == "leaf":
        return to_mpf(t[1])
    return mp_oplus(oplus_fold(t[1]), oplus_fold(t[2]))


def _or_height(t) -> int:
    return 0 if t[0] == "leaf" else 1 + max(_or_height(t[1]), _or_height(t[2]))


def or_tree_oplus_bp(t) -> mpmath.mpf:
    """The root belief of the paper's oplus-BP run by `tbn.bp.oplus_bp` on the OR tree.

    The instance documented in `tbn.bp.oplus`: one node per tree node plus a neutral node ``z``
    (belief 1/2, sources ``(z, z)``); internal nodes take their two children as sources and start
    at 1/2; a leaf takes sources ``(itself, z)`` and starts at its ``p``; run ``height`` rounds.
    """
    nb0, nb1, beliefs = [], [], []

    def build(node) -> int:
        j = len(beliefs)
        nb0.append(None)
        nb1.append(None)
        beliefs.append(None)
        if node[0] == "leaf":
            nb0[j], beliefs[j] = j, to_mpf(node[1])
            nb1[j] = "z"
        else:
            nb0[j], nb1[j] = build(node[1]), build(node[2])
            beliefs[j] = mpmath.mpf(1) / 2
        return j

    build(t)
    z = len(beliefs)
    nb1 = [z if x == "z" else x for x in nb1]
    out = oplus_bp(nb0 + [z], nb1 + [z], beliefs + [mpmath.mpf(1) / 2], _or_height(t))
    return out[0]


def _or_trees(seed: int, instances: int):
    rng = random.Random(seed)
    yield ("leaf", Fraction(1, 2))
    for _ in range(max(0, instances - 1)):
        yield random_or_tree(rng, rng.randint(1, 7))


def check_up_to_rtree_pos(precision: int, instances: int, seed: int) -> CheckResult:
    """``OrTree.up_toRTree_pos``: valid OR trees have positive unnormalised BP beliefs
    (discrete: 0 when all are positive, 1 otherwise)."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            return int(not all(b > 0 for b in up(or_to_rtree(t))))

    return worst_deviation(_or_trees(seed, instances), deviation)


def check_bp_belief_to_rtree(precision: int, instances: int, seed: int) -> CheckResult:
    """``OrTree.bpBelief_toRTree``: the sum-product root belief of an OR tree is the oplus fold;
    the fold is also compared with the paper's oplus-BP run by `tbn.bp.oplus_bp` for ``height``
    rounds. """
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            lhs = bp_belief(or_to_rtree(t))[1]
            fold = oplus_fold(t)
            return max(relative_gap(lhs, fold), relative_gap(fold, or_tree_oplus_bp(t)))

    return worst_deviation(_or_trees(seed, instances), deviation)


# --- every node (Lean: Pos, valAt, beliefAt, unnormMarginalAt, nodeBelief, nodeMarginal) --------

def positions(t) -> list:
    """Lean's ``Pos t``: ``("here",)``, ``("left", p)``, ``("right", p)``, in the order of the
    leaves of the tree (the order `to_factor_graph` names them ``x0, x1, ...``)."""
    if t[0] == "leaf":
        return [("here",)]
    return [("left", p) for p in positions(t[1])] + [("right", p) for p in positions(t[3])]


def val_at(t, p, x) -> int:
    """The value the full assignment ``x`` gives the node at ``p``."""
    if p[0] == "here":
        return x
    return val_at(t[1], p[1], x[0]) if p[0] == "left" else val_at(t[3], p[1], x[1])


def belief_at(t, p, g) -> list:
    """Unnormalised belief of the node at ``p`` (upward, then downward messages), the root of
    ``t`` receiving the extra message ``g``."""
    if p[0] == "here":
        return [g[v] * to_mpf(e) for v, e in enumerate(t[1])]
    _, sub, psi, child = t
    if p[0] == "left":
        return belief_at(sub, p[1], [a * m for a, m in zip(g, msg(psi, up(child)))])
    above = [a * b for a, b in zip(g, up(sub))]
    down = [mpmath.fsum(above[u] * to_mpf(psi[u][w]) for u in range(len(g))) for w in range(len(g))]
    return belief_at(child, p[1], down)


def unnorm_marginal_at(t, p, g) -> list:
    """Brute force: weight of the assignments giving the node at ``p`` each value, times ``g`` at
    the root."""
    return rooted.weight_by_value(t, assignments, weight, lambda x: val_at(t, p, x), g)


def node_belief(t, p) -> list:
    """Lean's ``nodeBelief``: ``belief_at`` with ``g = 1``, normalised."""
    return normalise(belief_at(t, p, [mpmath.mpf(1)] * domain_size(t)))


def node_marginal(t, p) -> list:
    """Lean's ``nodeMarginal``: brute-force marginal of the node over the partition function."""
    z = partition(t)
    one = [mpmath.mpf(1)] * domain_size(t)
    return [w / z if z != 0 else mpmath.mpf(0) for w in unnorm_marginal_at(t, p, one)]


def _attach_cases(rng: random.Random, instances: int, side: str):
    """``(t, psi, s, p, g)`` for ``attach t psi s``: signed trees and edge factor, a position ``p``
    in t (``side = "left"``) or in s (``"right"``), and a signed root factor ``g``."""
    for _ in range(instances):
        k = rng.choice((2, 3))
        t = random_tree(rng, k, rng.randint(1, 3), positive=False, signed=True)
        s = random_tree(rng, k, rng.randint(1, 3), positive=False, signed=True)
        psi = tuple(_vector(rng, k, True, False) for _ in range(k))
        g = [exact_entry(rng, signed=True) for _ in range(k)]
        yield t, psi, s, rng.choice(positions(t if side == "left" else s)), g


def check_unnorm_marginal_at_left(precision: int, instances: int, seed: int) -> CheckResult:
    """``unnormMarginalAt_left``: a node of t in attach t psi s sees s as one unary factor."""
    cases = _attach_cases(random.Random(seed + 5), instances, "left")

    def deviation(case):
        t, psi, s, p, g = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            g = [to_mpf(x) for x in g]
            lhs = unnorm_marginal_at(("attach", t, psi, s), ("left", p), g)
            rhs = unnorm_marginal_at(t, p, [a * m for a, m in
                                            zip(g, msg(psi, unnorm_root_marginal(s)))])
            return worst_gap(zip(lhs, rhs))

    return worst_deviation(cases, deviation)


def check_unnorm_marginal_at_right(precision: int, instances: int, seed: int) -> CheckResult:
    """``unnormMarginalAt_right``: a node of s in attach t psi s sees the rest as the downward
    message sum_u g u * Z_t(u) * psi u w."""
    cases = _attach_cases(random.Random(seed + 6), instances, "right")

    def deviation(case):
        t, psi, s, p, g = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            k = domain_size(t)
            g = [to_mpf(x) for x in g]
            zt = unnorm_root_marginal(t)
            down = [mpmath.fsum(g[u] * zt[u] * to_mpf(psi[u][w]) for u in range(k))
                    for w in range(k)]
            lhs = unnorm_marginal_at(("attach", t, psi, s), ("right", p), g)
            return worst_gap(zip(lhs, unnorm_marginal_at(s, p, down)))

    return worst_deviation(cases, deviation)


def check_belief_at_eq_unnorm_marginal_at(precision: int, instances: int,
                                          seed: int) -> CheckResult:
    """``beliefAt_eq_unnormMarginalAt``: two-pass sum-product equals brute force at every node,
    for any real tables and any extra root factor ``g``."""
    rng = random.Random(seed + 7)

    def cases():
        for t in _trees(seed, instances, positive=False, signed=True, max_nodes=5):
            yield t, [exact_entry(rng, signed=True) for _ in range(domain_size(t))]

    def deviation(case):
        t, g = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            g = [to_mpf(x) for x in g]
            return max(worst_gap(zip(belief_at(t, p, g), unnorm_marginal_at(t, p, g)))
                       for p in positions(t))

    return worst_deviation(cases(), deviation)


def check_sum_unnorm_node_marginal(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_unnormNodeMarginal``: every node's marginal weights add up to Z."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            one = [mpmath.mpf(1)] * domain_size(t)
            z = partition(t)
            return max(relative_gap(mpmath.fsum(unnorm_marginal_at(t, p, one)), z)
                       for p in positions(t))

    return worst_deviation(_trees(seed, instances, positive=False, signed=True, max_nodes=5),
                           deviation)


def check_pearl_all(precision: int, instances: int, seed: int) -> CheckResult:
    """``pearl_all``: at every node the normalised two-pass BP belief equals the exact marginal,
    compared with `tbn.exact.marginals` on the tree's factor graph (and with brute force)."""
    def deviation(t):
        with mpmath.workdps(precision + GUARD_DIGITS):
            fg, _ = to_factor_graph(t)
            exact = marginals(fg, arithmetic="mpmath", dps=precision + GUARD_DIGITS)
            worst = mpmath.mpf(0)
            for k, p in enumerate(positions(t)):
                mine = node_belief(t, p)
                worst = max(worst, worst_gap(zip(mine, exact[f"x{k}"])),
                            worst_gap(zip(mine, node_marginal(t, p))))
            return worst

    return worst_deviation(_trees(seed, instances, positive=True, max_nodes=5), deviation)


# --- every node after k synchronous rounds (Lean: upEdge, downEdge, beliefAtAfter, roundsNeeded) --

def _up_edge(psi, child, e, ms, j) -> list:
    """Round ``j`` message from ``child`` up to its parent: initial ``e``, then from round j - 1."""
    return list(e) if j == 0 else msg(psi, belief_after(child, j - 1, ms))


def _down_edge(psi, sub, e, mt, outside, j) -> list:
    """Round ``j`` message from the root of ``sub`` down to the attached child."""
    if j == 0:
        return list(e)
    above = [a * b for a, b in zip(outside(j - 1), belief_after(sub, j - 1, mt))]
    return [mpmath.fsum(above[u] * to_mpf(psi[u][w]) for u in range(len(above)))
            for w in range(len(above))]


def belief_at_after(t, p, rounds: int, mu, md, outside) -> list:
    """Unnormalised belief of the node at ``p`` after ``rounds`` flooding rounds from initial
    upward messages ``mu`` and downward messages ``md``; ``outside(j)`` is the message into the
    root from outside ``t`` in round ``j``."""
    if p[0] == "here":
        return [g * to_mpf(e) for g, e in zip(outside(rounds), t[1])]
    _, sub, psi, child = t
    if p[0] == "left":
        def new_outside(j):
            return [a * b for a, b in zip(outside(j), _up_edge(psi, child, mu[1], mu[2], j))]
        return belief_at_after(sub, p[1], rounds, mu[0], md[0], new_outside)

    def down(j):
        return _down_edge(psi, sub, md[1], mu[0], outside, j)
    return belief_at_after(child, p[1], rounds, mu[2], md[2], down)


def rounds_needed(t, p, d: int) -> int:
    """Lean's ``roundsNeeded``."""
    if p[0] == "here":
        return d
    if p[0] == "left":
        return rounds_needed(t[1], p[1], max(d, height(t[3]) + 1))
    return rounds_needed(t[3], p[1], max(d, height(t[1])) + 1)


def eccentricities(t) -> list:
    """Largest distance (in edges of the tree) from each node to any node, in `positions` order;
    computed independently, by breadth-first search on the tree's edges."""
    edges = []

    def build(node, offset) -> tuple[int, int]:  # (number of nodes, index of the root)
        if node[0] == "leaf":
            return 1, offset
        n_sub, r_sub = build(node[1], offset)
        n_child, r_child = build(node[3], offset + n_sub)
        edges.append((r_sub, r_child))
        return n_sub + n_child, r_sub

    n, _ = build(t, 0)
    adj = [[] for _ in range(n)]
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    out = []
    for start in range(n):
        dist, frontier = {start: 0}, [start]
        while frontier:
            nxt = []
            for u in frontier:
                for w in adj[u]:
                    if w not in dist:
                        dist[w] = dist[u] + 1
                        nxt.append(w)
            frontier = nxt
        out.append(max(dist.values()))
    return out


def check_belief_at_after_eq_belief_at(precision: int, instances: int,
                                       seed: int) -> CheckResult:
    """``beliefAtAfter_eq_beliefAt``: if the outside message is ``g`` from round ``d`` on (and
    arbitrary before), after ``roundsNeeded t p d`` rounds from arbitrary messages the belief is
    the two-pass belief with outside factor ``g`` (any real tables)."""
    rng = random.Random(seed + 8)

    def cases():
        for t in _trees(seed, instances, positive=False, signed=True, max_nodes=5):
            k = domain_size(t)
            p = rng.choice(positions(t))
            d = rng.randint(0, 3)
            early = [[exact_entry(rng, signed=True) for _ in range(k)] for _ in range(d)]
            g = [exact_entry(rng, signed=True) for _ in range(k)]
            rounds = rounds_needed(t, p, d) + rng.randint(0, 2)
            yield t, p, d, early, g, rounds, random_messages(rng, t), random_messages(rng, t)

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
    messages, every node's normalised belief is its exact marginal (`tbn.exact.marginals`)."""
    rng = random.Random(seed + 9)

    def cases():
        for t in _trees(seed, instances, positive=True, max_nodes=5):
            extra = [rng.randint(0, 2) for _ in positions(t)]
            yield t, extra, random_messages(rng, t), random_messages(rng, t)

    def deviation(case):
        t, extra, mu, md = case
        with mpmath.workdps(precision + GUARD_DIGITS):
            fg, _ = to_factor_graph(t)
            exact = marginals(fg, arithmetic="mpmath", dps=precision + GUARD_DIGITS)
            one = [mpmath.mpf(1)] * domain_size(t)
            worst = mpmath.mpf(0)
            for i, p in enumerate(positions(t)):
                rounds = rounds_needed(t, p, 0) + extra[i]
                got = normalise(belief_at_after(t, p, rounds, mu, md, lambda j: one))
                worst = max(worst, worst_gap(zip(got, exact[f"x{i}"])))
            return worst

    return worst_deviation(cases(), deviation)
