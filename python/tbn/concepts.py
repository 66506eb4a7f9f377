"""Finite concept space (SPEC 3.7): counts of behaviours, verdicts and routing keys.

* There are ``n^n`` maps ``Fin n -> Fin n``.  A transition ``delta : Fin n -> A -> Fin n`` gives
  each symbol a of any alphabet A the behaviour ``j -> delta(j, a)``, one of those maps: however
  large A is, at most ``n^n`` behaviours are distinct.
* A verifier asking q tests with at most r outcomes each gives every concept a verdict vector in
  a set of size ``r^q``, so it separates at most ``r^q`` concepts; among any ``r^q + 1`` distinct
  concepts (in particular in an infinite concept type) two get identical verdicts.
* Routing keys ``(node type, own index, neighbour index)`` with two node types number ``2 n^2``;
  in the explicit construction a token's attention row for head h depends only on the code of its
  neighbour ``nb_h(j)``, so equal keys give identical rows.
"""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, Sequence

from .errors import ModelError

__all__ = ["function_count", "behaviour_count", "verifier_capacity", "verdicts",
           "separated_count", "find_collision", "routing_key_count", "routing_keys"]


def _nat(name: str, v) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ModelError(f"{name} must be a natural number, got {v!r}")


def function_count(n: int) -> int:
    """``|Fin n -> Fin n| = n^n`` (1 for n = 0: the empty map)."""
    _nat("n", n)
    return n ** n


def behaviour_count(n: int, alphabet: Iterable, delta: Callable[[int, object], int]) -> int:
    """Number of distinct behaviours ``j -> delta(j, a)`` over the symbols a; at most ``n^n``.

    Raises
    ------
    ModelError
        ``delta`` leaves ``range(n)``.
    """
    _nat("n", n)
    seen = set()
    for a in alphabet:
        row = tuple(delta(j, a) for j in range(n))
        if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < n for v in row):
            raise ModelError(f"delta(., {a!r}) = {row} leaves range({n})")
        seen.add(row)
    return len(seen)


def verifier_capacity(q: int, r: int) -> int:
    """``r^q``: how many concepts q tests of at most r outcomes can tell apart."""
    _nat("q", q)
    _nat("r", r)
    return r ** q


def verdicts(concept, tests: Sequence[Callable[[object], Hashable]]) -> tuple:
    """The verdict vector of one concept."""
    return tuple(t(concept) for t in tests)


def separated_count(concepts: Iterable, tests: Sequence[Callable[[object], Hashable]]) -> int:
    """Number of distinct verdict vectors over ``concepts`` (at most ``r^q``)."""
    return len({verdicts(c, tests) for c in concepts})


def find_collision(concepts: Iterable, tests: Sequence[Callable[[object], Hashable]],
                   outcomes: int) -> tuple:
    """Two distinct concepts with identical verdicts, found among the first ``outcomes^q + 1``.

    ``concepts`` may be infinite (a generator of distinct concepts); pigeonhole guarantees the
    search stops.

    Raises
    ------
    ModelError
        A test returned more than ``outcomes`` distinct values, or the concepts ran out first
        (fewer than ``outcomes^q + 1`` of them).
    """
    limit = verifier_capacity(len(tests), outcomes) + 1
    seen: dict = {}
    per_test = [set() for _ in tests]
    for count, c in enumerate(concepts):
        if count >= limit:
            break
        v = verdicts(c, tests)
        for s, x in zip(per_test, v):
            s.add(x)
            if len(s) > outcomes:
                raise ModelError(f"a test returned more than {outcomes} outcomes")
        if v in seen:
            return seen[v], c
        seen[v] = c
    raise ModelError(f"fewer than {limit} concepts: no collision is forced")


def routing_keys(n: int) -> list[tuple[int, int, int]]:
    """All keys ``(node type in {0, 1}, own index, neighbour index)``."""
    _nat("n", n)
    return [(t, j, k) for t in (0, 1) for j in range(n) for k in range(n)]


def routing_key_count(n: int) -> int:
    """``2 n^2``."""
    _nat("n", n)
    return 2 * n * n
