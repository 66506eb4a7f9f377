"""Checks of ``lean/TBN/LogOdds.lean``: sigmoid, logit, oplus, folds over lists and trees (SPEC 3.1).

Each ``check_<name>`` mirrors the Lean theorem ``TBN.LogOdds.<name>`` (``BTree`` theorems as
``check_btree_<name>``): it draws random and edge-case instances (log-odds up to +-60, tiny
log-odds, beliefs within 1e-30 of 0 and 1, ties, long lists) and evaluates both sides of the
statement with `tbn.algebra`'s mpmath forms.  Numbers are evaluated at ``precision + GUARD``
digits: ``1 - sigmoid(60)`` cancels 26 digits, and the guard keeps every result correct to more
than ``precision`` digits, so a deviation above the gate's tolerance is a real counterexample.
Where oplus is chained over beliefs within 1e-30 of 0 and 1 (folds, trees, logit of oplus), the
beliefs are exact `Fraction`s and oplus is evaluated exactly (it is rational): floating chains
would cancel more digits than any fixed guard; those checks compare both in probability and in
log-odds, so that tiny beliefs are compared to full relative precision.
Propositions (orders, membership, existence) report 0 when they hold and 1 otherwise; the
statements about natural numbers and tree shapes are checked exactly, by enumeration.

Trees are nested tuples, ``("leaf", value)`` or ``("node", left, right)``, mirroring ``BTree``.
"""
from __future__ import annotations

import random
from fractions import Fraction
from functools import lru_cache

import mpmath

from ..algebra import mp_logit, mp_oplus, mp_sigmoid, oplus, sigmoid
from ._base import CheckResult, worst_deviation

__all__ = [
    "GUARD", "draw_real", "draw_prob", "draw_fraction", "exact_logit", "relative_deviation", "leaf", "node", "leaves", "depth",
    "eval_oplus", "random_tree", "shapes", "balanced_tree", "clog2", "oplus_list",
    "check_sigmoid_mul_one_add_exp", "check_sigmoid_pos", "check_sigmoid_lt_one",
    "check_one_sub_sigmoid", "check_sigmoid_div_one_sub", "check_sigmoid_zero",
    "check_sigmoid_neg", "check_sigmoid_strict_mono", "check_sigmoid_injective",
    "check_half_lt_sigmoid_iff", "check_logit_sigmoid", "check_sigmoid_logit", "check_logit_half",
    "check_logit_one_sub", "check_oplus_sigmoid_sigmoid", "check_oplus_eq_sigmoid_logit",
    "check_oplus_mem_ioo", "check_oplus_comm", "check_oplus_assoc", "check_oplus_half",
    "check_half_oplus", "check_oplus_one_sub", "check_logit_oplus", "check_logit_bij_on",
    "check_oplus_list_eq_sigmoid_sum", "check_btree_eval_oplus_eq_sigmoid_sum",
    "check_btree_eval_oplus_eq_of_leaves_eq", "check_btree_eval_oplus_eq_oplus_list",
    "check_btree_length_leaves_le_two_pow_depth", "check_btree_clog_length_le_depth",
    "check_btree_exists_leaves_eq_depth_le", "check_btree_exists_balanced",
]

#: Extra digits of working precision (see the module docstring).
GUARD = 40
#: Largest |log-odds| drawn.
MAX_ABS = 60


# --- instances ---------------------------------------------------------------------------------

def draw_real(rng: random.Random) -> mpmath.mpf:
    """A log-odds value: zero, tiny, moderate, or large (up to ``MAX_ABS``) in either sign."""
    kind = rng.random()
    sign = -1 if rng.random() < 0.5 else 1
    if kind < 0.08:
        return mpmath.mpf(0)
    if kind < 0.2:
        return sign * mpmath.mpf(10) ** -rng.randint(5, 30)
    if kind < 0.35:
        return sign * mpmath.mpf(rng.uniform(25, MAX_ABS))
    return mpmath.mpf(rng.gauss(0, 5))


def draw_prob(rng: random.Random) -> mpmath.mpf:
    """A belief in (0, 1): within 1e-30 of either end, exactly 1/2, or sigma of a log-odds."""
    kind = rng.random()
    if kind < 0.06:
        return mpmath.mpf(10) ** -rng.randint(10, 30)
    if kind < 0.12:
        return 1 - mpmath.mpf(10) ** -rng.randint(10, 30)
    if kind < 0.17:
        return mpmath.mpf(1) / 2
    return mp_sigmoid(draw_real(rng))


def draw_fraction(rng: random.Random) -> Fraction:
    """An exact belief in (0, 1): within 1e-30 of either end, exactly 1/2, or sigma of a log-odds."""
    kind = rng.random()
    if kind < 0.08:
        return Fraction(1, 10 ** rng.randint(10, 30))
    if kind < 0.16:
        return 1 - Fraction(1, 10 ** rng.randint(10, 30))
    if kind < 0.21:
        return Fraction(1, 2)
    return Fraction(sigmoid(rng.uniform(-30, 30)))


def exact_logit(p: Fraction) -> mpmath.mpf:
    """logit of an exact belief, log(num) - log(den - num): no cancellation near 0 or 1."""
    return mpmath.log(p.numerator) - mpmath.log(p.denominator - p.numerator)


def _mpf(p: Fraction) -> mpmath.mpf:
    return mpmath.mpf(p.numerator) / p.denominator


def relative_deviation(lhs, rhs) -> mpmath.mpf:
    """|lhs - rhs| relative to max(1, |lhs|, |rhs|) (log-odds can be large)."""
    lhs, rhs = mpmath.mpf(lhs), mpmath.mpf(rhs)
    return abs(lhs - rhs) / max(mpmath.mpf(1), abs(lhs), abs(rhs))


def _holds(flag: bool) -> int:
    """The deviation of a proposition: 0 if it holds, 1 if it fails."""
    return 0 if flag else 1


def _run(precision: int, instances: int, seed: int, draw, deviation) -> CheckResult:
    """Draw ``instances`` cases with ``draw(rng)`` and keep the worst ``deviation(case)``."""
    rng = random.Random(seed)
    with mpmath.workdps(precision + GUARD):
        cases = [draw(rng) for _ in range(instances)]
        return worst_deviation(cases, lambda case: deviation(*case))


def _reals(k: int):
    return lambda rng: tuple(draw_real(rng) for _ in range(k))


def _tied(draw_one, k: int):
    """A drawer of k values from ``draw_one``; with probability 1/5 the first two are tied."""
    def draw(rng):
        ps = [draw_one(rng) for _ in range(k)]
        if k > 1 and rng.random() < 0.2:
            ps[1] = ps[0]
        return tuple(ps)
    return draw


def _probs(k: int):
    """k beliefs (`draw_prob`), the first two tied now and then."""
    return _tied(draw_prob, k)


# --- trees -------------------------------------------------------------------------------------

def leaf(value):
    """``BTree.leaf``."""
    return ("leaf", value)


def node(left, right):
    """``BTree.node``."""
    return ("node", left, right)


def leaves(t) -> list:
    """``BTree.leaves``: the leaf labels, left to right."""
    return [t[1]] if t[0] == "leaf" else leaves(t[1]) + leaves(t[2])


def depth(t) -> int:
    """``BTree.depth``: 0 for a leaf, 1 + max of the children otherwise."""
    return 0 if t[0] == "leaf" else 1 + max(depth(t[1]), depth(t[2]))


def eval_oplus(t):
    """``BTree.evalOplus``: oplus at every internal node (exact on `Fraction` leaves)."""
    return t[1] if t[0] == "leaf" else oplus(eval_oplus(t[1]), eval_oplus(t[2]))


def oplus_list(values):
    """``oplusList``: right fold of oplus starting from the identity 1/2 (exact on `Fraction`s)."""
    acc = Fraction(1, 2)
    for v in reversed(values):
        acc = oplus(v, acc)
    return acc


def random_tree(rng: random.Random, values: list):
    """A random binary tree whose leaves are ``values`` in order (random split points)."""
    if len(values) == 1:
        return leaf(values[0])
    cut = rng.randint(1, len(values) - 1)
    return node(random_tree(rng, values[:cut]), random_tree(rng, values[cut:]))


@lru_cache(maxsize=None)
def shapes(k: int) -> tuple:
    """Every binary tree shape with ``k`` leaves (leaves labelled ``None``): Catalan(k-1) many."""
    if k == 1:
        return (leaf(None),)
    return tuple(node(a, b) for i in range(1, k) for a in shapes(i) for b in shapes(k - i))


def balanced_tree(values: list):
    """The construction of ``exists_leaves_eq_depth_le``: split after ceil(k/2), recurse."""
    if len(values) == 1:
        return leaf(values[0])
    cut = (len(values) + 1) // 2
    return node(balanced_tree(values[:cut]), balanced_tree(values[cut:]))


def clog2(k: int) -> int:
    """ceil(log2 k) for k >= 1, by exact integer arithmetic (``Nat.clog 2 k``)."""
    return (k - 1).bit_length()


# --- sigmoid and logit -------------------------------------------------------------------------

def check_sigmoid_mul_one_add_exp(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(x) * (1 + e^-x) = 1."""
    return _run(precision, instances, seed, _reals(1),
                lambda x: mp_sigmoid(x) * (1 + mpmath.exp(-x)) - 1)


def check_sigmoid_pos(precision: int, instances: int, seed: int) -> CheckResult:
    """0 < sigma(x)."""
    return _run(precision, instances, seed, _reals(1), lambda x: _holds(mp_sigmoid(x) > 0))


def check_sigmoid_lt_one(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(x) < 1."""
    return _run(precision, instances, seed, _reals(1), lambda x: _holds(mp_sigmoid(x) < 1))


def check_one_sub_sigmoid(precision: int, instances: int, seed: int) -> CheckResult:
    """1 - sigma(x) = e^-x sigma(x)."""
    return _run(precision, instances, seed, _reals(1),
                lambda x: relative_deviation(1 - mp_sigmoid(x), mpmath.exp(-x) * mp_sigmoid(x)))


def check_sigmoid_div_one_sub(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(x) / (1 - sigma(x)) = e^x."""
    return _run(precision, instances, seed, _reals(1),
                lambda x: relative_deviation(mp_sigmoid(x) / (1 - mp_sigmoid(x)), mpmath.exp(x)))


def check_sigmoid_zero(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(0) = 1/2 (a single instance)."""
    return _run(precision, 1, seed, lambda rng: (), lambda: mp_sigmoid(0) - mpmath.mpf(1) / 2)


def check_sigmoid_neg(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(-x) = 1 - sigma(x)."""
    return _run(precision, instances, seed, _reals(1),
                lambda x: mp_sigmoid(-x) - (1 - mp_sigmoid(x)))


def _increasing_pair(rng: random.Random):
    """x < y, sometimes only 1e-20 apart."""
    x = draw_real(rng)
    tiny = rng.random() < 0.3
    gap = mpmath.mpf(10) ** -20 if tiny else abs(draw_real(rng)) + mpmath.mpf(10) ** -30
    return x, x + gap


def check_sigmoid_strict_mono(precision: int, instances: int, seed: int) -> CheckResult:
    """x < y implies sigma(x) < sigma(y)."""
    return _run(precision, instances, seed, _increasing_pair,
                lambda x, y: _holds(mp_sigmoid(x) < mp_sigmoid(y)))


def check_sigmoid_injective(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(x) = sigma(y) implies x = y: distinct log-odds give distinct beliefs."""
    return _run(precision, instances, seed, _increasing_pair,
                lambda x, y: _holds(mp_sigmoid(x) != mp_sigmoid(y)))


def check_half_lt_sigmoid_iff(precision: int, instances: int, seed: int) -> CheckResult:
    """1/2 < sigma(x) iff 0 < x (tiny and zero log-odds included)."""
    return _run(precision, instances, seed, _reals(1),
                lambda x: _holds((mpmath.mpf(1) / 2 < mp_sigmoid(x)) == (x > 0)))


def check_logit_sigmoid(precision: int, instances: int, seed: int) -> CheckResult:
    """logit(sigma(x)) = x for every real x."""
    return _run(precision, instances, seed, _reals(1),
                lambda x: relative_deviation(mp_logit(mp_sigmoid(x)), x))


def check_sigmoid_logit(precision: int, instances: int, seed: int) -> CheckResult:
    """sigma(logit(p)) = p on (0, 1), relative to p (beliefs down to 1e-30)."""
    return _run(precision, instances, seed, _probs(1),
                lambda p: abs(mp_sigmoid(mp_logit(p)) - p) / p)


def check_logit_half(precision: int, instances: int, seed: int) -> CheckResult:
    """logit(1/2) = 0 (a single instance)."""
    return _run(precision, 1, seed, lambda rng: (), lambda: mp_logit(mpmath.mpf(1) / 2))


def check_logit_one_sub(precision: int, instances: int, seed: int) -> CheckResult:
    """logit(1 - p) = -logit(p)."""
    return _run(precision, instances, seed, _probs(1),
                lambda p: relative_deviation(mp_logit(1 - p), -mp_logit(p)))


# --- oplus -------------------------------------------------------------------------------------

def check_oplus_sigmoid_sigmoid(precision: int, instances: int, seed: int) -> CheckResult:
    """oplus(sigma x, sigma y) = sigma(x + y) for all real x, y."""
    return _run(precision, instances, seed, _reals(2),
                lambda x, y: relative_deviation(mp_oplus(mp_sigmoid(x), mp_sigmoid(y)),
                                                mp_sigmoid(x + y)))


def check_oplus_eq_sigmoid_logit(precision: int, instances: int, seed: int) -> CheckResult:
    """oplus(a, b) = sigma(logit a + logit b) on (0, 1)^2."""
    return _run(precision, instances, seed, _probs(2),
                lambda a, b: relative_deviation(mp_oplus(a, b), mp_sigmoid(mp_logit(a) + mp_logit(b))))


def check_oplus_mem_ioo(precision: int, instances: int, seed: int) -> CheckResult:
    """0 < oplus(a, b) < 1 on (0, 1)^2."""
    return _run(precision, instances, seed, _probs(2),
                lambda a, b: _holds(0 < mp_oplus(a, b) < 1))


def check_oplus_comm(precision: int, instances: int, seed: int) -> CheckResult:
    """oplus(a, b) = oplus(b, a) for all reals (off the poles)."""
    return _run(precision, instances, seed, _reals(2),
                lambda a, b: relative_deviation(mp_oplus(a, b), mp_oplus(b, a)))


def _fractions(k: int):
    """k exact beliefs (`draw_fraction`), the first two tied now and then."""
    return _tied(draw_fraction, k)


def check_oplus_assoc(precision: int, instances: int, seed: int) -> CheckResult:
    """oplus(oplus(a, b), c) = oplus(a, oplus(b, c)) on (0, 1)^3, exactly on rationals."""
    return _run(precision, instances, seed, _fractions(3),
                lambda a, b, c: _mpf(abs(oplus(oplus(a, b), c) - oplus(a, oplus(b, c)))))


def check_oplus_half(precision: int, instances: int, seed: int) -> CheckResult:
    """oplus(a, 1/2) = a for every real a."""
    return _run(precision, instances, seed, _reals(1),
                lambda a: relative_deviation(mp_oplus(a, mpmath.mpf(1) / 2), a))


def check_half_oplus(precision: int, instances: int, seed: int) -> CheckResult:
    """oplus(1/2, a) = a for every real a."""
    return _run(precision, instances, seed, _reals(1),
                lambda a: relative_deviation(mp_oplus(mpmath.mpf(1) / 2, a), a))


def check_oplus_one_sub(precision: int, instances: int, seed: int) -> CheckResult:
    """oplus(a, 1 - a) = 1/2 on (0, 1)."""
    return _run(precision, instances, seed, _probs(1),
                lambda a: mp_oplus(a, 1 - a) - mpmath.mpf(1) / 2)


def check_logit_oplus(precision: int, instances: int, seed: int) -> CheckResult:
    """logit(oplus(a, b)) = logit a + logit b on (0, 1)^2 (oplus exact, logits at full precision)."""
    return _run(precision, instances, seed, _fractions(2),
                lambda a, b: relative_deviation(exact_logit(oplus(a, b)),
                                                exact_logit(a) + exact_logit(b)))


def check_logit_bij_on(precision: int, instances: int, seed: int) -> CheckResult:
    """logit maps (0, 1) into R, injectively, and onto R (witness sigma(y) for every y)."""
    def deviation(p, q, y):
        maps_to = mpmath.isfinite(mp_logit(p))
        injective = p == q or mp_logit(p) != mp_logit(q)
        witness = mp_sigmoid(y)
        onto = relative_deviation(mp_logit(witness), y) if 0 < witness < 1 else 1
        return max(_holds(maps_to and injective), onto)
    return _run(precision, instances, seed,
                lambda rng: (draw_prob(rng), draw_prob(rng), draw_real(rng)), deviation)


# --- folds over lists and trees ----------------------------------------------------------------

def _prob_list(rng: random.Random, low: int = 0, high: int = 40) -> list:
    """A list of exact beliefs, sometimes with a repeated value."""
    values = [draw_fraction(rng) for _ in range(rng.randint(low, high))]
    if len(values) > 1 and rng.random() < 0.2:
        values[-1] = values[0]
    return values


def _fold_deviation(folded: Fraction, values) -> mpmath.mpf:
    """Compare an exact fold with sigma(sum of logits), as beliefs and as log-odds."""
    total = mpmath.fsum(exact_logit(v) for v in values)
    return max(relative_deviation(_mpf(folded), mp_sigmoid(total)),
               relative_deviation(exact_logit(folded), total))


def check_oplus_list_eq_sigmoid_sum(precision: int, instances: int, seed: int) -> CheckResult:
    """oplusList(l) = sigma(sum of logits) for lists of beliefs (empty list included)."""
    return _run(precision, instances, seed, lambda rng: (_prob_list(rng),),
                lambda values: _fold_deviation(oplus_list(values), values))


def _tree_case(rng: random.Random):
    return (random_tree(rng, _prob_list(rng, 1, 40)),)


def check_btree_eval_oplus_eq_sigmoid_sum(precision: int, instances: int, seed: int) -> CheckResult:
    """A tree of oplus over beliefs equals sigma(sum of the leaves' logits), whatever its shape."""
    return _run(precision, instances, seed, _tree_case,
                lambda t: _fold_deviation(eval_oplus(t), leaves(t)))


def check_btree_eval_oplus_eq_of_leaves_eq(precision: int, instances: int, seed: int) -> CheckResult:
    """Two trees with the same leaves compute the same oplus."""
    def draw(rng):
        values = _prob_list(rng, 1, 40)
        return random_tree(rng, values), random_tree(rng, values)
    return _run(precision, instances, seed, draw,
                lambda t, u: _mpf(abs(eval_oplus(t) - eval_oplus(u))))


def check_btree_eval_oplus_eq_oplus_list(precision: int, instances: int, seed: int) -> CheckResult:
    """A tree of oplus equals the list fold over its leaves."""
    return _run(precision, instances, seed, _tree_case,
                lambda t: _mpf(abs(eval_oplus(t) - oplus_list(leaves(t)))))


#: Largest number of leaves whose tree shapes are enumerated exhaustively (Catalan(9) = 4862).
MAX_SHAPE_LEAVES = 10


def _exhaustive(statement) -> CheckResult:
    """Run a discrete statement on every tree shape with up to ``MAX_SHAPE_LEAVES`` leaves."""
    cases = [t for k in range(1, MAX_SHAPE_LEAVES + 1) for t in shapes(k)]
    return worst_deviation(cases, lambda t: _holds(statement(t)))


def check_btree_length_leaves_le_two_pow_depth(precision: int, instances: int,
                                               seed: int) -> CheckResult:
    """A tree of depth d has at most 2^d leaves (every shape with up to 10 leaves)."""
    return _exhaustive(lambda t: len(leaves(t)) <= 2 ** depth(t))


def check_btree_clog_length_le_depth(precision: int, instances: int, seed: int) -> CheckResult:
    """ceil(log2 k) <= depth of every tree with k leaves (every shape with up to 10 leaves)."""
    return _exhaustive(lambda t: clog2(len(leaves(t))) <= depth(t))


def check_btree_exists_leaves_eq_depth_le(precision: int, instances: int,
                                          seed: int) -> CheckResult:
    """Every list of 1..2^d labels is the leaf list of a tree of depth <= d (d <= 7, all lengths)."""
    cases = [(d, k) for d in range(8) for k in range(1, 2 ** d + 1)]
    def deviation(case):
        d, k = case
        t = balanced_tree(list(range(k)))
        return _holds(leaves(t) == list(range(k)) and depth(t) <= d)
    return worst_deviation(cases, deviation)


def check_btree_exists_balanced(precision: int, instances: int, seed: int) -> CheckResult:
    """For k >= 1 a tree with k given leaves and depth clog 2 k exists, and no shape is shallower.

    The depth of the construction is compared with ceil(log2 k) from integer arithmetic and, for
    k <= 10, with the minimum depth over all Catalan(k-1) shapes.
    """
    def deviation(k):
        t = balanced_tree(list(range(k)))
        ok = leaves(t) == list(range(k)) and depth(t) == clog2(k)
        if k <= MAX_SHAPE_LEAVES:
            ok = ok and min(depth(s) for s in shapes(k)) == clog2(k)
        return _holds(ok)
    return worst_deviation(range(1, max(instances, MAX_SHAPE_LEAVES) + 1), deviation)
