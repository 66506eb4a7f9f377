"""The paper's oplus-BP: a special model, kept apart from sum-product (SPEC 3.2).

Coppola's update: every node j has two source nodes nb0(j), nb1(j) and, in each synchronous
round, its belief (a probability of "true") becomes

    b_j <- b_nb0(j) oplus b_nb1(j),   oplus(m0, m1) = m0 m1 / (m0 m1 + (1 - m0)(1 - m1)),

that is, sigma(logit b_nb0(j) + logit b_nb1(j)).  It forwards whole beliefs and reads no factor
table, so it is not sum-product in general.

When the two coincide (tested in tests/test_oplus_bp.py).  Take a rooted tree in which every
internal node j has exactly two children c0(j), c1(j), and a soft-evidence probability p_l in
(0, 1) at every leaf l.  The factor graph: one binary variable X_j per node, a unary factor
(1 - p_l, p_l) on every leaf, and an equality factor [x_j = x_c] between every node and each of
its children (uniform priors, no other factors).  The oplus-BP instance: the tree's nodes plus one
neutral node z with belief 1/2 and sources (z, z); internal nodes take sources (c0(j), c1(j));
leaves take sources (l, z), so b_l = b_l oplus 1/2 stays p_l.  Start internal nodes at 1/2.  Then
after t >= height(j) rounds, b_j equals P(X_j = 1 | the evidence at the leaves below j), the
normalised product of the two sum-product messages that reach X_j from its children's factors;
at the root, after height(root) rounds, it is the exact marginal of the whole model and the
sum-product belief.  The reason is one identity: at a binary variable, the normalised product of
two incoming messages, read as probabilities of state 1, is their oplus; equality factors pass a
message on unchanged.  (Equivalently, by Turing and Good, oplus adds the weights of evidence of
conditionally independent observations under a uniform prior.)

When they differ.  (1) Any factor that is not an equality: a noisy copy [[1-e, e], [e, 1-e]] turns
a child's belief b into the message e + (1 - 2e) b, and oplus-BP, which forwards b itself,
overcounts the evidence.  (2) Shared sources: nb0(j) = nb1(j) = c gives b_c oplus b_c, counting c's
evidence twice, where sum-product over one edge counts it once.  (3) Internal nodes: oplus-BP's
b_j never hears about evidence outside j's subtree, while the sum-product marginal of X_j does.
"""
from __future__ import annotations

import numbers
from typing import Sequence

from ..algebra import oplus
from ..errors import ModelError

__all__ = ["oplus_bp_step", "oplus_bp"]


def oplus_bp_step(nb0: Sequence[int], nb1: Sequence[int], beliefs: Sequence) -> list:
    """One synchronous round of oplus-BP: ``b'_j = oplus(b[nb0[j]], b[nb1[j]])``.

    Parameters
    ----------
    nb0, nb1 : sequence of int
        The two source nodes of every node, indices in ``range(len(beliefs))``.
    beliefs : sequence of probabilities
        Floats, `fractions.Fraction` (the round is then exact) or mpmath numbers (computed at the
        caller's ``mpmath.workdps`` precision).

    Returns
    -------
    list
        The new beliefs, same length and number type.

    Raises
    ------
    ModelError
        Mismatched lengths, a source index out of range, a belief outside [0, 1], or a node whose
        sources are certain of opposite things (oplus(0, 1) is 0/0).

    Examples
    --------
    >>> from fractions import Fraction
    >>> oplus_bp_step([1, 0], [1, 1], [Fraction(1, 2), Fraction(4, 5)])
    [Fraction(16, 17), Fraction(4, 5)]
    """
    n = _check(nb0, nb1, beliefs)
    out = []
    for j in range(n):
        a, b = beliefs[nb0[j]], beliefs[nb1[j]]
        try:
            out.append(oplus(a, b))
        except ZeroDivisionError:
            raise ModelError(f"oplus-BP: node {j} combines certain beliefs {a} and {b} of "
                             "opposite sign (oplus(0, 1) is undefined)") from None
    return out


def oplus_bp(nb0: Sequence[int], nb1: Sequence[int], beliefs: Sequence, rounds: int) -> list:
    """Beliefs after ``rounds`` synchronous rounds of `oplus_bp_step` (``rounds=0``: a copy)."""
    if isinstance(rounds, bool) or not isinstance(rounds, numbers.Integral) or rounds < 0:
        raise ModelError(f"oplus-BP: rounds must be an integer >= 0, got {rounds!r}")
    _check(nb0, nb1, beliefs)
    out = list(beliefs)
    for _ in range(rounds):
        out = oplus_bp_step(nb0, nb1, out)
    return out


def _check(nb0, nb1, beliefs) -> int:
    """Report every problem of an oplus-BP instance at once; return the number of nodes."""
    n = len(beliefs)
    problems = []
    if len(nb0) != n or len(nb1) != n:
        problems.append(f"nb0, nb1 and beliefs must have the same length, got {len(nb0)}, "
                        f"{len(nb1)} and {n}")
    for name, nb in (("nb0", nb0), ("nb1", nb1)):
        bad = [k for k in nb if isinstance(k, bool) or not isinstance(k, numbers.Integral)
               or not 0 <= k < n]
        if bad:
            problems.append(f"{name} has entries that are not node indices 0..{n - 1}: {bad[:5]}")
    bad = [j for j, b in enumerate(beliefs) if not _probability(b)]
    if bad:
        problems.append(f"beliefs must be probabilities in [0, 1]; nodes {bad[:5]} are not")
    if problems:
        raise ModelError("oplus-BP: " + "; ".join(problems))
    return n


def _probability(b) -> bool:
    try:
        return not isinstance(b, bool) and 0 <= b <= 1
    except TypeError:
        return False
