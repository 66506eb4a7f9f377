"""Checks of ``lean/TBN/Concepts.lean``: the finite concept space (SPEC 3.7).

The counting statements are checked exactly by enumeration: every function ``Fin n -> Fin n`` for
``n <= 6``, random automata over large alphabets, random verifiers over many concepts, every routing
key.  For each bound the checks also exhibit a family that attains it, so that a bound stated too
large would not pass unnoticed either.  The attention-row statements compute softmax rows (at
random inverse temperatures, in mpmath) and hard-attention rows (uniform over the argmax set,
exactly) from random score tables on routing keys, and compare the rows of all tokens that share
a key.  The statement over an infinite concept type is checked on its finite content: among any
``r^q + 1`` concepts two get identical verdicts.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import mpmath

from ._base import CheckResult, worst_deviation
from .log_odds import GUARD

__all__ = ["behaviours", "softmax_row", "hard_row", "attention_rows",
           "check_card_transitions", "check_card_le_of_behaviour_injective",
           "check_card_le_of_verdict_injective", "check_exists_ne_verdict_eq",
           "check_card_routing_key", "check_attn_row_eq_of_key_eq",
           "check_softmax_attn_row_eq_of_key_eq"]


def behaviours(delta: list[list[int]], n: int) -> set[tuple[int, ...]]:
    """The distinct state maps ``q -> delta[q][a]`` over the symbols ``a`` (``n >= 1`` states)."""
    return {tuple(delta[q][a] for q in range(n)) for a in range(len(delta[0]))}


def softmax_row(lam, scores: list) -> list:
    """exp(lam s_k) / sum_k' exp(lam s_k'), in mpmath."""
    shift = max(scores)
    weights = [mpmath.exp(lam * (s - shift)) for s in scores]
    total = mpmath.fsum(weights)
    return [w / total for w in weights]


def hard_row(scores: list) -> list:
    """Hard attention: uniform over the argmax set, exactly."""
    top = max(scores)
    winners = [k for k, s in enumerate(scores) if s == top]
    return [Fraction(1, len(winners)) if k in winners else Fraction(0) for k in range(len(scores))]


def attention_rows(rule, score, keys: list) -> list:
    """``attnRow``: row ``j`` is ``rule`` applied to the scores ``score(key j, key k)``."""
    return [rule([score(keys[j], keys[k]) for k in range(len(keys))]) for j in range(len(keys))]


def _holds(flag: bool) -> int:
    return 0 if flag else 1


def check_card_transitions(precision: int, instances: int, seed: int) -> CheckResult:
    """|Fin n -> Fin n| = n^n, counting every function for n = 0..6."""
    return worst_deviation(range(7), lambda n: _holds(
        sum(1 for _ in itertools.product(range(n), repeat=n)) == n ** n))


def check_card_le_of_behaviour_injective(precision: int, instances: int, seed: int) -> CheckResult:
    """Symbols with distinct behaviours number at most n^n; the full alphabet attains n^n."""
    rng = random.Random(seed)

    def deviation(case):
        n, size = case
        delta = [[rng.randrange(n) for _ in range(size)] for _ in range(n)]
        every_map = list(itertools.product(range(n), repeat=n))
        full = [[f[q] for f in every_map] for q in range(n)]
        return _holds(len(behaviours(delta, n)) <= n ** n and len(behaviours(full, n)) == n ** n)
    cases = [(rng.randint(1, 4), rng.randint(1, 400)) for _ in range(instances)]
    return worst_deviation(cases, deviation)


def check_card_le_of_verdict_injective(precision: int, instances: int, seed: int) -> CheckResult:
    """q tests of r outcomes separate at most r^q concepts; all r^q verdict vectors occur."""
    rng = random.Random(seed)

    def deviation(case):
        q, r, concepts = case
        verdicts = {tuple(rng.randrange(r) for _ in range(q)) for _ in range(concepts)}
        attained = len(set(itertools.product(range(r), repeat=q))) == r ** q
        return _holds(len(verdicts) <= r ** q and attained)
    cases = [(rng.randint(0, 4), rng.randint(1, 4), rng.randint(1, 600)) for _ in range(instances)]
    return worst_deviation(cases, deviation)


def check_exists_ne_verdict_eq(precision: int, instances: int, seed: int) -> CheckResult:
    """Among r^q + 1 concepts (a finite part of an infinite type) two get identical verdicts."""
    rng = random.Random(seed)

    def deviation(case):
        q, r = case
        verdicts = [tuple(rng.randrange(r) for _ in range(q)) for _ in range(r ** q + 1)]
        return _holds(any(verdicts[i] == verdicts[j]
                          for i in range(len(verdicts)) for j in range(i)))
    cases = [(rng.randint(0, 3), rng.randint(1, 4)) for _ in range(instances)]
    return worst_deviation(cases, deviation)


def check_card_routing_key(precision: int, instances: int, seed: int) -> CheckResult:
    """|Fin 2 x Fin n x Fin n| = 2 n^2, counting every key for n = 0..40."""
    return worst_deviation(range(41), lambda n: _holds(
        sum(1 for _ in itertools.product(range(2), range(n), range(n))) == 2 * n ** 2))


def _rows_case(rng: random.Random):
    """Token keys with repeats (node type, own index, neighbour index) and a random score table."""
    n = rng.randint(1, 4)
    key_set = list(itertools.product(range(2), range(n), range(n)))
    keys = [rng.choice(key_set) for _ in range(rng.randint(2, 12))]
    keys.append(keys[0])  # at least one shared key
    table = {(a, b): rng.choice([0, 1, 2, rng.gauss(0, 3)]) for a in key_set for b in key_set}
    return keys, table, mpmath.mpf(10) ** rng.uniform(-3, 3)


def _max_gap_between_equal_keys(rows: list, keys: list) -> mpmath.mpf:
    gap = mpmath.mpf(0)
    for j, j2 in itertools.combinations(range(len(keys)), 2):
        if keys[j] == keys[j2]:
            gap = max(gap, max(abs(mpmath.mpf(a) - mpmath.mpf(b))
                               for a, b in zip(rows[j], rows[j2])))
    return gap


def _rows_check(precision: int, instances: int, seed: int, with_hard: bool) -> CheckResult:
    rng = random.Random(seed)

    def deviation(case):
        keys, table, lam = case
        score = lambda a, b: mpmath.mpf(table[(a, b)])
        gap = _max_gap_between_equal_keys(
            attention_rows(lambda s: softmax_row(lam, s), score, keys), keys)
        if with_hard:
            hard = attention_rows(hard_row, lambda a, b: Fraction(table[(a, b)]), keys)
            gap = max(gap, _max_gap_between_equal_keys(
                [[mpmath.mpf(w.numerator) / w.denominator for w in row] for row in hard], keys))
        return gap
    with mpmath.workdps(precision + GUARD):
        cases = [_rows_case(rng) for _ in range(instances)]
        return worst_deviation(cases, deviation)


def check_attn_row_eq_of_key_eq(precision: int, instances: int, seed: int) -> CheckResult:
    """Tokens with equal routing keys get identical rows (softmax at any temperature, hard)."""
    return _rows_check(precision, instances, seed, with_hard=True)


def check_softmax_attn_row_eq_of_key_eq(precision: int, instances: int, seed: int) -> CheckResult:
    """Tokens with equal routing keys get identical softmax rows at every temperature."""
    return _rows_check(precision, instances, seed, with_hard=False)
