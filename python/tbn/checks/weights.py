"""Checks of the theorems of ``lean/TBN/Weights.lean``: the ℚ weights are the ℝ construction.

Each ``check_<name>`` mirrors ``TBN.Weights.<name>`` and compares its two sides entry by entry:

* the ℚ side is what the gate reads: a definition in the grammar of docs/ARCHITECTURE.md
  (section 3), parsed and evaluated exactly by `tbn.lean.weights`, then cast to mpmath.  For the
  concrete theorems these are the definitions of ``lean/TBN/Weights.lean`` itself; for the family
  lemmas, definitions written from drawn arguments (indices inside the matrix: the reader refuses
  others).
* the ℝ side is evaluated here in mpmath straight from the Lean definitions of ``projectDim``,
  ``crossProject``, ``routeHead``, ``explicitHeads``, ``orW1`` and ``explicitFFN``
  (``lean/TBN/Construction.lean``), on purpose not through `tbn.transformer.weights`, the
  constructor the gate's weight rows already compare with.

The statements are identities between matrices of 0s and ±1s, so a correct pair deviates by 0 and
a wrong entry by at least 1; a shape mismatch counts as an infinite deviation.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Callable

import mpmath

from ..lean.source import LeanFile, parse_lean_source, read_lean_file
from ..lean.weights import evaluate_weight
from ._base import CheckResult, to_mpf, worst_deviation

__all__ = [
    "GUARD", "WEIGHTS_FILE", "real_project_dim", "real_cross_project", "real_identity",
    "real_or_w1", "real_explicit_layer", "rational_weight", "matrix_deviation",
    "layer_weights_deviation", "check_map_project_dim", "check_map_cross_project",
    "check_map_identity", "check_map_or_w1", "check_explicit_layer_weights_b2",
    "check_explicit_layer_weights_oh4",
]

#: Extra digits of working precision.
GUARD = 10

#: The Lean file whose definitions the concrete theorems are about (in the repository that holds
#: this copy of the package: the gate's worker runs the repository's own ``python/``).
WEIGHTS_FILE = Path(__file__).resolve().parents[3] / "lean" / "TBN" / "Weights.lean"

#: Names of the eight definitions per code family, in the order of the theorems' conjuncts,
#: paired with the matrix of the layer they must equal.
_CONJUNCTS = (("query0", ("head", 0, "Q")), ("key0", ("head", 0, "K")),
              ("value0", ("head", 0, "V")), ("query1", ("head", 1, "Q")),
              ("key1", ("head", 1, "K")), ("value1", ("head", 1, "V")),
              ("ffnW1", ("ffn", "W1")), ("ffnW2", ("ffn", "W2")))

MpMatrix = list  # rows of mpf


# --- the ℝ side, transcribed from lean/TBN/Construction.lean -----------------------------------

def _of(D: int, entry: Callable[[int, int], int]) -> MpMatrix:
    """``Matrix.of fun r c => entry r c`` over ``Fin D``, as mpf."""
    return [[mpmath.mpf(entry(r, c)) for c in range(D)] for r in range(D)]


def real_project_dim(D: int, i: int, j: int) -> MpMatrix:
    """``projectDim D i j``: ``if r = j ∧ c = i then 1 else 0``."""
    return _of(D, lambda r, c: 1 if (r == j and c == i) else 0)


def real_cross_project(D: int, B: int, src: int, dst: int) -> MpMatrix:
    """``crossProject D B src dst``: ``if dst ≤ r ∧ r < dst + B ∧ c = r - dst + src then 1 else 0``
    (the ℕ subtraction ``r - dst`` is guarded by ``dst ≤ r``)."""
    return _of(D, lambda r, c: 1 if (dst <= r < dst + B and c == r - dst + src) else 0)


def real_identity(E: int) -> MpMatrix:
    """``(1 : Matrix (Fin E) (Fin E) ℝ)``."""
    return _of(E, lambda r, c: 1 if r == c else 0)


def _combine(terms) -> MpMatrix:
    """``Σ sign * M`` over ``(sign, M)`` pairs of equal shape."""
    first = terms[0][1]
    return [[sum(s * m[r][c] for s, m in terms) for c in range(len(first[0]))]
            for r in range(len(first))]


def real_or_w1(D: int) -> MpMatrix:
    """``orW1 D = projectDim D 1 0 + projectDim D 2 0 - projectDim D 0 0 - projectDim D 1 1 -
    projectDim D 2 2``."""
    return _combine([(1, real_project_dim(D, 1, 0)), (1, real_project_dim(D, 2, 0)),
                     (-1, real_project_dim(D, 0, 0)), (-1, real_project_dim(D, 1, 1)),
                     (-1, real_project_dim(D, 2, 2))])


def real_explicit_layer(B: int) -> dict:
    """The matrices of ``explicitLayer B`` (``D = 3 + 3B``): ``explicitHeads B 0 = routeHead B
    (3 + B) 1``, ``explicitHeads B 1 = routeHead B (3 + 2B) 2`` with ``routeHead B off tgt =
    ⟨crossProject D B off 3, crossProject D B 3 3, projectDim D 0 tgt⟩``; ``explicitFFN B`` has
    ``W1 = orW1 D`` and ``W2 = 1``.  Keys ``("head", h, "Q"|"K"|"V")`` and ``("ffn", "W1"|"W2")``.
    """
    D = 3 + 3 * B
    out = {}
    for h, (off, tgt) in enumerate(((3 + B, 1), (3 + 2 * B, 2))):
        out[("head", h, "Q")] = real_cross_project(D, B, off, 3)
        out[("head", h, "K")] = real_cross_project(D, B, 3, 3)
        out[("head", h, "V")] = real_project_dim(D, 0, tgt)
    out[("ffn", "W1")] = real_or_w1(D)
    out[("ffn", "W2")] = real_identity(D)
    return out


# --- the ℚ side, as the gate reads it ----------------------------------------------------------

def rational_weight(lean_file: LeanFile, name: str) -> MpMatrix:
    """Evaluate the definition ``name`` of a parsed Lean file exactly and cast it to mpf.

    Raises
    ------
    KeyError
        No such definition.
    ParseError
        The definition is outside the weight grammar.
    """
    decl = lean_file.find(name)
    if decl is None:
        raise KeyError(f"{name} is not defined in {lean_file.path}")
    return [[to_mpf(x) for x in row] for row in evaluate_weight(decl)]


def _definition(D: int, term: str) -> MpMatrix:
    """The ℚ side of a family lemma: ``def w : Matrix (Fin D) (Fin D) ℚ := term``, read by the
    gate's parser and evaluator."""
    text = f"namespace X\ndef w : Matrix (Fin {D}) (Fin {D}) ℚ := {term}\nend X\n"
    return rational_weight(parse_lean_source(text, "<drawn>"), "X.w")


def matrix_deviation(a: MpMatrix, b: MpMatrix) -> mpmath.mpf:
    """Largest entry difference; infinite when the shapes differ."""
    if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b)):
        return mpmath.inf
    return max((abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb)),
               default=mpmath.mpf(0))


def layer_weights_deviation(lean_file: LeanFile, B: int, suffix: str) -> CheckResult:
    """Each conjunct of ``explicitLayer_weights_<suffix>``: the definition ``<name>_<suffix>`` of
    ``lean_file``, cast to mpf, against the matrix of ``explicitLayer B``."""
    layer = real_explicit_layer(B)
    return worst_deviation(
        _CONJUNCTS,
        lambda conj: matrix_deviation(
            rational_weight(lean_file, f"TBN.Weights.{conj[0]}_{suffix}"), layer[conj[1]]))


# --- the checks ----------------------------------------------------------------------------------

def _draw_dim(rng: random.Random) -> int:
    """A matrix size: small enough to stay fast, large enough for blocks at every offset."""
    return rng.randint(1, 24)


def check_map_project_dim(precision: int, instances: int, seed: int) -> CheckResult:
    """``(projectDim (R := ℚ) D i j).map cast = projectDim (R := ℝ) D i j`` for drawn
    ``i, j < D`` (including ``i = j`` and the corners)."""
    rng = random.Random(seed)
    cases = [(1, 0, 0), (3, 2, 2)]
    for _ in range(instances):
        D = _draw_dim(rng)
        cases.append((D, rng.randrange(D), rng.randrange(D)))
    with mpmath.workdps(precision + GUARD):
        return worst_deviation(cases, lambda c: matrix_deviation(
            _definition(c[0], f"projectDim (R := ℚ) {c[0]} {c[1]} {c[2]}"),
            real_project_dim(*c)))


def check_map_cross_project(precision: int, instances: int, seed: int) -> CheckResult:
    """``(crossProject (R := ℚ) D B src dst).map cast = crossProject (R := ℝ) D B src dst`` for
    drawn blocks inside the matrix, empty (``B = 0``), overlapping and full-width ones included."""
    rng = random.Random(seed)
    cases = [(9, 2, 5, 3), (4, 0, 1, 2), (5, 5, 0, 0), (7, 3, 2, 3)]
    for _ in range(instances):
        D = _draw_dim(rng)
        B = rng.randint(0, D)
        cases.append((D, B, rng.randint(0, D - B), rng.randint(0, D - B)))
    with mpmath.workdps(precision + GUARD):
        return worst_deviation(cases, lambda c: matrix_deviation(
            _definition(c[0], "crossProject (R := ℚ) " + " ".join(map(str, c))),
            real_cross_project(*c)))


def check_map_identity(precision: int, instances: int, seed: int) -> CheckResult:
    """``(1 : Matrix (Fin E) (Fin E) ℚ).map cast = 1`` for ``E = 1 .. instances``."""
    cases = list(range(1, max(instances, 1) + 1))
    with mpmath.workdps(precision + GUARD):
        return worst_deviation(cases, lambda E: matrix_deviation(
            _definition(E, f"(1 : Matrix (Fin {E}) (Fin {E}) ℚ)"), real_identity(E)))


def check_map_or_w1(precision: int, instances: int, seed: int) -> CheckResult:
    """The ℚ sum of five ``projectDim`` terms (the shape of ``ffnW1_*``), cast, is ``orW1 D``, for
    ``D = 3 .. instances + 2`` (the terms name dims 0 to 2)."""
    cases = list(range(3, max(instances, 1) + 3))
    term = ("projectDim (R := ℚ) {D} 1 0 + projectDim (R := ℚ) {D} 2 0 - projectDim (R := ℚ) {D} "
            "0 0 - projectDim (R := ℚ) {D} 1 1 - projectDim (R := ℚ) {D} 2 2")
    with mpmath.workdps(precision + GUARD):
        return worst_deviation(cases, lambda D: matrix_deviation(
            _definition(D, term.format(D=D)), real_or_w1(D)))


def check_explicit_layer_weights_b2(precision: int, instances: int, seed: int) -> CheckResult:
    """The eight binary-code definitions of Weights.lean (``*_b2``), cast, are the matrices of
    ``explicitLayer 2`` (one instance per conjunct)."""
    with mpmath.workdps(precision + GUARD):
        return layer_weights_deviation(read_lean_file(WEIGHTS_FILE), 2, "b2")


def check_explicit_layer_weights_oh4(precision: int, instances: int, seed: int) -> CheckResult:
    """The eight one-hot definitions of Weights.lean (``*_oh4``), cast, are the matrices of
    ``explicitLayer 4`` (one instance per conjunct)."""
    with mpmath.workdps(precision + GUARD):
        return layer_weights_deviation(read_lean_file(WEIGHTS_FILE), 4, "oh4")
