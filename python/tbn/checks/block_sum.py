"""Checks of ``lean/TBN/BlockSum.lean``: sums of products of functions reading disjoint blocks of
coordinates of a full assignment (the distributive law behind sum-product on trees).

A real function of a full assignment ``x : Fin n -> Fin k`` is a dict from every assignment
(a tuple) to an exact `Fraction`.  `reads_only` is the twin of Lean's ``ReadsOnly f S``: ``f`` is
constant on every class of assignments that agree on ``S`` (two assignments agree on ``S`` exactly
when they have the same restriction to ``S``, so this is the Lean definition, not a sufficient
condition).  `reading` builds such functions from a random table on the ``S``-coordinates.

The statements are identities between rational numbers, so both sides are computed exactly in
`Fraction`s: the deviation is the exact relative gap ``|lhs - rhs| / max(|lhs|, |rhs|)`` (0 when
both are 0), converted to mpmath at the working precision; a true statement gives exactly 0, a
false one a gap of order 1 whatever the size of the entries (which range from 1e-30 to 1e20 and
have both signs: the Lean statements are about all real functions).  For the statements
"there is a c > 0 such that for every G reading S ...", the constant is computed from one G
(the first whose right-hand side is nonzero) and then the SAME constant is required for several
other G's reading S; c <= 0 counts as deviation 1.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Iterable

import mpmath

from ._base import CheckResult, to_mpf, worst_deviation
from ._draws import exact_entry

__all__ = [
    "all_assignments", "reads_only", "reading", "fiber_count", "exact_gap", "fiber_sum",
    "mul_fiber_sides", "prod_blocks_sides", "common_constant_gap",
    "check_reads_only_mono", "check_reads_only_mul", "check_reads_only_prod",
    "check_reads_only_ite", "check_reads_only_const", "check_fiber_pos", "check_fiber_card_eq",
    "check_sum_ite_mul_const", "check_sum_mul_fiber", "check_sum_mul_prod_blocks",
]


# --- twins ---------------------------------------------------------------------------------------

def all_assignments(n: int, k: int) -> list:
    """Every ``x : Fin n -> Fin k`` as a tuple (one, the empty tuple, when ``n = 0``)."""
    return list(itertools.product(range(k), repeat=n))


def reads_only(f: dict, S) -> bool:
    """Lean's ``ReadsOnly f S``: ``f x = f y`` whenever ``x`` and ``y`` agree on ``S``."""
    coords = sorted(S)
    seen = {}
    for x, value in f.items():
        key = tuple(x[j] for j in coords)
        if seen.setdefault(key, value) != value:
            return False
    return True


def reading(rng: random.Random, n: int, k: int, S, *, signed: bool = True) -> dict:
    """A random function reading only ``S``: a random table on the ``S``-coordinates."""
    coords = sorted(S)
    table = {vals: exact_entry(rng, signed=signed)
             for vals in itertools.product(range(k), repeat=len(coords))}
    return {x: table[tuple(x[j] for j in coords)] for x in all_assignments(n, k)}


def fiber_count(n: int, k: int, j: int, v: int) -> int:
    """``∑ x, if x j = v then 1 else 0``, literally."""
    return sum(1 for x in all_assignments(n, k) if x[j] == v)


def exact_gap(a: Fraction, b: Fraction) -> Fraction:
    """``|a - b| / max(|a|, |b|)``, 0 when both vanish: scale-free and exact."""
    m = max(abs(a), abs(b))
    return Fraction(0) if m == 0 else abs(a - b) / m


def fiber_sum(F: dict, j: int, c: int) -> Fraction:
    """``∑ y, if y j = c then F y else 0``."""
    return sum((val for y, val in F.items() if y[j] == c), Fraction(0))


def mul_fiber_sides(G: dict, F: dict, j: int) -> tuple:
    """Both sides of ``sum_mul_fiber`` without the constant: ``∑ x, G x * ∑ y, [y j = x j] F y``
    and ``∑ u, G u * F u`` (the inner sum depends on ``x`` only through ``x j``: cached)."""
    inner = {}
    lhs = Fraction(0)
    for x, g in G.items():
        if x[j] not in inner:
            inner[x[j]] = fiber_sum(F, j, x[j])
        lhs += g * inner[x[j]]
    rhs = sum((g * F[u] for u, g in G.items()), Fraction(0))
    return lhs, rhs


def prod_blocks_sides(G: dict, Fs: list, js: list) -> tuple:
    """Both sides of ``sum_mul_prod_blocks`` without the constant:
    ``∑ x, G x * ∏ k, ∑ y, [y (j k) = x (j k)] F k y`` and ``∑ u, G u * ∏ k, F k u``."""
    inner = [{} for _ in Fs]
    lhs = rhs = Fraction(0)
    for x, g in G.items():
        p = Fraction(1)
        for kk, (F, j) in enumerate(zip(Fs, js)):
            if x[j] not in inner[kk]:
                inner[kk][x[j]] = fiber_sum(F, j, x[j])
            p *= inner[kk][x[j]]
        lhs += g * p
        q = Fraction(1)
        for F in Fs:
            q *= F[x]
        rhs += g * q
    return lhs, rhs


def common_constant_gap(sides: Iterable[tuple]) -> Fraction:
    """For pairs ``(lhs_G, rhs_G)`` over several G's: how far "∃ c > 0, ∀ G, lhs_G = c * rhs_G"
    is from holding.  ``c`` is fixed by the first G with ``rhs_G != 0``; 1 when that ``c`` is not
    positive, else the worst exact gap (if every ``rhs_G`` is 0, the worst gap of ``lhs_G`` to 0:
    any c works exactly when every ``lhs_G`` is 0)."""
    sides = list(sides)
    c = next((lhs / rhs for lhs, rhs in sides if rhs != 0), None)
    if c is None:
        return max((exact_gap(lhs, Fraction(0)) for lhs, _ in sides), default=Fraction(0))
    if c <= 0:
        return Fraction(1)
    return max(exact_gap(lhs, c * rhs) for lhs, rhs in sides)


# --- instances -----------------------------------------------------------------------------------

def _sizes(rng: random.Random, *, min_n: int = 0, max_n: int = 5, max_k: int = 3) -> tuple:
    """``(n, k)`` with at most 243 full assignments (k = 1 and n = 0 included)."""
    while True:
        n, k = rng.randint(min_n, max_n), rng.randint(1, max_k)
        if k ** n <= 243:
            return n, k


def _subset(rng: random.Random, pool, p: float = 0.4) -> frozenset:
    return frozenset(i for i in pool if rng.random() < p)


def _to_deviation(precision: int, gap: Fraction) -> mpmath.mpf:
    with mpmath.workdps(precision):
        return to_mpf(gap)


def _bool_cases(seed: int, instances: int, draw) -> CheckResult:
    """Discrete checks: ``draw(rng)`` returns ``(ok, description)``; 0 when ok, else 1."""
    rng = random.Random(seed)
    cases = [draw(rng) for _ in range(instances)]
    return worst_deviation(cases, lambda case: 0 if case[0] else 1)


# --- one check per manifest theorem --------------------------------------------------------------

def check_reads_only_mono(precision: int, instances: int, seed: int) -> CheckResult:
    """``ReadsOnly.mono``: a function reading S reads every T ⊇ S."""
    def draw(rng):
        n, k = _sizes(rng)
        S = _subset(rng, range(n))
        T = S | _subset(rng, range(n))
        f = reading(rng, n, k, S)
        return reads_only(f, S) and reads_only(f, T), (n, k, sorted(S), sorted(T))
    return _bool_cases(seed, instances, draw)


def check_reads_only_mul(precision: int, instances: int, seed: int) -> CheckResult:
    """``readsOnly_mul``: the product of two functions reading S reads S."""
    def draw(rng):
        n, k = _sizes(rng)
        S = _subset(rng, range(n))
        f, g = reading(rng, n, k, S), reading(rng, n, k, S)
        prod = {x: f[x] * g[x] for x in f}
        return reads_only(f, S) and reads_only(g, S) and reads_only(prod, S), (n, k, sorted(S))
    return _bool_cases(seed, instances, draw)


def check_reads_only_prod(precision: int, instances: int, seed: int) -> CheckResult:
    """``readsOnly_prod``: a finite product (empty included) of functions reading S reads S."""
    def draw(rng):
        n, k = _sizes(rng)
        S = _subset(rng, range(n))
        fs = [reading(rng, n, k, S) for _ in range(rng.randint(0, 3))]
        prod = {x: Fraction(1) for x in all_assignments(n, k)}
        for f in fs:
            prod = {x: prod[x] * f[x] for x in prod}
        return all(reads_only(f, S) for f in fs) and reads_only(prod, S), (n, k, len(fs))
    return _bool_cases(seed, instances, draw)


def check_reads_only_ite(precision: int, instances: int, seed: int) -> CheckResult:
    """``readsOnly_ite``: cutting a function reading S down to ``x j = v`` (j in S) reads S."""
    def draw(rng):
        n, k = _sizes(rng, min_n=1)
        j, v = rng.randrange(n), rng.randrange(k)
        S = _subset(rng, range(n)) | {j}
        f = reading(rng, n, k, S)
        cut = {x: f[x] if x[j] == v else Fraction(0) for x in f}
        return reads_only(f, S) and reads_only(cut, S), (n, k, j, v, sorted(S))
    return _bool_cases(seed, instances, draw)


def check_reads_only_const(precision: int, instances: int, seed: int) -> CheckResult:
    """``readsOnly_const``: a constant reads every S (the empty set included)."""
    def draw(rng):
        n, k = _sizes(rng)
        S = _subset(rng, range(n))
        c = exact_entry(rng, signed=True)
        return reads_only({x: c for x in all_assignments(n, k)}, S), (n, k, sorted(S))
    return _bool_cases(seed, instances, draw)


def check_fiber_pos(precision: int, instances: int, seed: int) -> CheckResult:
    """``fiber_pos``: every fiber of every coordinate is nonempty (value type nonempty)."""
    def draw(rng):
        n, k = _sizes(rng, min_n=1)
        return all(fiber_count(n, k, j, v) > 0 for j in range(n) for v in range(k)), (n, k)
    return _bool_cases(seed, instances, draw)


def check_fiber_card_eq(precision: int, instances: int, seed: int) -> CheckResult:
    """``fiber_card_eq``: all fibers of a coordinate have the same size."""
    def draw(rng):
        n, k = _sizes(rng, min_n=1)
        return all(fiber_count(n, k, j, v) == fiber_count(n, k, j, w)
                   for j in range(n) for v in range(k) for w in range(k)), (n, k)
    return _bool_cases(seed, instances, draw)


def check_sum_ite_mul_const(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_ite_mul_const``: summing P over the fiber ``x j = v``, where P equals Q, gives the
    fiber size times Q (P arbitrary off the fiber)."""
    rng = random.Random(seed)

    def cases():
        for _ in range(instances):
            n, k = _sizes(rng, min_n=1)
            j, v = rng.randrange(n), rng.randrange(k)
            Q = exact_entry(rng, signed=True)
            P = {x: Q if x[j] == v else exact_entry(rng, signed=True)
                 for x in all_assignments(n, k)}
            yield n, k, j, v, Q, P

    def deviation(case):
        n, k, j, v, Q, P = case
        lhs = sum((P[x] for x in P if x[j] == v), Fraction(0))
        rhs = fiber_count(n, k, j, v) * Q
        return _to_deviation(precision, exact_gap(lhs, rhs))

    return worst_deviation(cases(), deviation)


def _mul_fiber_case(rng: random.Random):
    n, k = _sizes(rng, min_n=1)
    j = rng.randrange(n)
    T = _subset(rng, range(n))
    S = _subset(rng, [i for i in range(n) if i not in T], 0.5)
    F = reading(rng, n, k, T | {j})
    if rng.random() < 0.1:
        F = {x: Fraction(0) for x in F}
    Gs = [reading(rng, n, k, S) for _ in range(rng.randint(2, 4))]
    return n, k, j, sorted(S), sorted(T), F, Gs


def check_sum_mul_fiber(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_mul_fiber``: with G reading S, F reading T ∪ {j}, S and T disjoint (j anywhere),
    ``∑ x, G x * ∑ y, [y j = x j] F y = c * ∑ u, G u * F u`` with ONE c > 0 for every G."""
    rng = random.Random(seed)

    def deviation(case):
        n, k, j, S, T, F, Gs = case
        if not (reads_only(F, set(T) | {j}) and not set(S) & set(T)
                and all(reads_only(G, S) for G in Gs)):
            return 1  # a drawn instance must satisfy the hypotheses
        return _to_deviation(precision, common_constant_gap(mul_fiber_sides(G, F, j)
                                                            for G in Gs))

    return worst_deviation((_mul_fiber_case(rng) for _ in range(instances)), deviation)


def prod_blocks_case(rng: random.Random, *, overlap: bool = False):
    """An instance of ``sum_mul_prod_blocks``: S, blocks T_k pairwise disjoint and disjoint
    from S, j_k in S, F_k reading T_k ∪ {j_k}, several G reading S.  With ``overlap`` the
    blocks are made to share a coordinate (the hypothesis broken, for tests)."""
    while True:
        n, k = _sizes(rng, min_n=2 if overlap else 1)
        if not overlap or k >= 2:
            break
    m = rng.randint(2, 3) if overlap else rng.randint(0, 3)
    S = set(_subset(rng, range(n), 0.4)) or {rng.randrange(n)}
    rest = [i for i in range(n) if i not in S]
    owner = {i: rng.randrange(m + 1) for i in rest}  # m + 1: some coordinates in no block
    Ts = [{i for i in rest if owner[i] == b} for b in range(m)]
    if overlap:
        shared = rng.choice(rest) if rest else rng.randrange(n)
        Ts = [T | {shared} for T in Ts]
    js = [rng.choice(sorted(S)) for _ in range(m)]
    Fs = [reading(rng, n, k, T | {j}) for T, j in zip(Ts, js)]
    Gs = [reading(rng, n, k, S) for _ in range(rng.randint(2, 4))]
    return n, k, sorted(S), [sorted(T) for T in Ts], js, Fs, Gs


def prod_blocks_deviation(case, precision: int) -> mpmath.mpf:
    """The common-constant gap of ``sum_mul_prod_blocks`` on one instance (hypotheses not
    checked: tests pass overlapping blocks on purpose)."""
    n, k, S, Ts, js, Fs, Gs = case
    return _to_deviation(precision, common_constant_gap(prod_blocks_sides(G, Fs, js)
                                                        for G in Gs))


def check_sum_mul_prod_blocks(precision: int, instances: int, seed: int) -> CheckResult:
    """``sum_mul_prod_blocks``: with G reading S, F_k reading T_k ∪ {j_k}, j_k in S, the T_k
    pairwise disjoint and disjoint from S: ``∑ x, G x * ∏ k, ∑ y, [y (j k) = x (j k)] F k y =
    c * ∑ u, G u * ∏ k, F k u`` with ONE c > 0 for every G (0 to 3 blocks, empty blocks too)."""
    rng = random.Random(seed)

    def deviation(case):
        n, k, S, Ts, js, Fs, Gs = case
        ok = (all(reads_only(F, set(T) | {j}) for F, T, j in zip(Fs, Ts, js))
              and all(j in S for j in js) and all(not set(S) & set(T) for T in Ts)
              and all(not set(T1) & set(T2) for a, T1 in enumerate(Ts)
                      for b, T2 in enumerate(Ts) if a != b)
              and all(reads_only(G, S) for G in Gs))
        return prod_blocks_deviation(case, precision) if ok else 1

    return worst_deviation((prod_blocks_case(rng) for _ in range(instances)), deviation)
