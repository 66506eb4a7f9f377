"""Concrete Lean weight definitions: parse, evaluate exactly, compare with Python.

``lean/TBN/Weights.lean`` states small instances of the explicit construction as plain ``def``s
(docs/ARCHITECTURE.md section 3)::

    def NAME : Matrix (Fin R) (Fin C) ℚ := TERM
    TERM   := ['-'] ATOM (('+' | '-') ATOM)*
    ATOM   := FAMILY ['(R := ℚ)'] NAT+ | '(' TERM ')' | '(1 : Matrix (Fin R) (Fin R) ℚ)'
            | INT '•' ATOM
    INT    := NAT | '(' '-' NAT ')'
    FAMILY := projectDim | crossProject          (optionally namespace-qualified)

The optional named argument ``(R := ℚ)`` pins the families' implicit entry ring, so that Lean
elaborates a sum of family applications without relying on default instances.

This module is a small exact interpreter of that grammar over ``Fraction``: the numbers the gate
compares are the ones written in the Lean file, not ones recomputed by the code under test.
``projectDim D i j`` has a single 1 at row j, column i; ``crossProject D B src dst`` has ones at
``(dst+b, src+b)`` for ``b < B`` (ARCHITECTURE section 2).  An index outside the matrix is an
error here, never a silent zero.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Sequence

from ..errors import ParseError
from .source import Declaration

__all__ = ["Matrix", "evaluate_weight", "parse_matrix_type", "as_fraction_matrix",
           "compare_matrices", "matrix_to_strings"]

Matrix = list  # list of rows, each a list of Fraction

_TYPE = re.compile(r"^:\s*Matrix\s*\(\s*Fin\s+(\d+)\s*\)\s*\(\s*Fin\s+(\d+)\s*\)\s*ℚ$")
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)|(?P<name>[A-Za-z_][\w.']*)|(?P<sym>:=|[()+\-•:ℚ]))")
_ARITY = {"projectDim": 3, "crossProject": 4}


def parse_matrix_type(decl: Declaration) -> tuple[int, int]:
    """``(R, C)`` from a statement ``: Matrix (Fin R) (Fin C) ℚ``."""
    m = _TYPE.match(decl.statement)
    if not m:
        raise ParseError(f"`{decl.name}` must have type `Matrix (Fin R) (Fin C) ℚ`, found "
                         f"`{decl.statement}`", decl.path, decl.line)
    return int(m.group(1)), int(m.group(2))


def evaluate_weight(decl: Declaration) -> Matrix:
    """Evaluate a concrete weight definition exactly.

    Returns
    -------
    list of list of Fraction
        ``R`` rows of ``C`` entries (rows = output dims).

    Raises
    ------
    ParseError
        The definition is not in the grammar above, or dimensions or indices do not fit.
    """
    if decl.kind not in ("def", "abbrev"):
        raise ParseError(f"`{decl.name}` is a {decl.kind}, not a def", decl.path, decl.line)
    rows, cols = parse_matrix_type(decl)
    parser = _Parser(decl, rows, cols)
    value = parser.term()
    parser.expect_end()
    return value


class _Parser:
    """Recursive descent over the token list; every method returns a matrix."""

    def __init__(self, decl: Declaration, rows: int, cols: int):
        self.decl, self.rows, self.cols = decl, rows, cols
        self.tokens = self._lex(decl.body)
        self.k = 0

    def _lex(self, text: str):
        tokens, i, text = [], 0, text.strip()
        while i < len(text):
            m = _TOKEN.match(text, i)
            if not m or m.end() == i:
                self.fail(f"unexpected text {text[i:i + 20].strip()!r}")
            i = m.end()
            kind = m.lastgroup
            tokens.append((kind, m.group(kind)))
            if text[i:].strip() == "":
                break
        return tokens

    def fail(self, message: str):
        raise ParseError(f"weights `{self.decl.name}`: {message} (grammar: docs/ARCHITECTURE.md "
                         "section 3)", self.decl.path, self.decl.line)

    def peek(self):
        return self.tokens[self.k] if self.k < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value and tok[1] != value):
            want = value or kind or "more input"
            self.fail(f"expected {want!r}, found {tok[1]!r}")
        self.k += 1
        return tok[1]

    def expect_end(self):
        if self.k != len(self.tokens):
            self.fail(f"unexpected {self.peek()[1]!r} after the term")

    def term(self):
        sign = 1
        if self.peek() == ("sym", "-"):
            self.take()
            sign = -1
        acc = _scale(sign, self.atom())
        while self.peek() in (("sym", "+"), ("sym", "-")):
            op = self.take()
            acc = _add(acc, self.atom(), 1 if op == "+" else -1)
        return acc

    def atom(self):
        kind, value = self.peek()
        if kind == "num":
            return self.scaled(int(self.take()))
        if kind == "name":
            return self.family()
        if (kind, value) == ("sym", "("):
            save = self.k
            self.take()
            if self.peek() == ("sym", "-"):   # (-k) • ATOM
                self.take()
                k = int(self.take("num"))
                self.take("sym", ")")
                return self.scaled(-k)
            if self.peek() == ("num", "1") and self.tokens[self.k + 1:self.k + 2] == [
                    ("sym", ":")]:
                return self.identity()
            self.k = save + 1
            inner = self.term()
            self.take("sym", ")")
            return inner
        self.fail(f"expected a matrix, found {value!r}")

    def scaled(self, k: int):
        self.take("sym", "•")
        return _scale(k, self.atom())

    def identity(self):
        self.take("num", "1")
        self.take("sym", ":")
        self.take("name", "Matrix")
        dims = []
        for _ in range(2):
            self.take("sym", "(")
            self.take("name", "Fin")
            dims.append(int(self.take("num")))
            self.take("sym", ")")
        self.take("sym", "ℚ")
        self.take("sym", ")")
        if dims != [self.rows, self.cols] or self.rows != self.cols:
            self.fail(f"identity of size {dims} in a {self.rows} x {self.cols} definition")
        n = self.rows
        return [[Fraction(int(r == c)) for c in range(n)] for r in range(n)]

    def family(self):
        name = self.take("name").rsplit(".", 1)[-1]
        if name not in _ARITY:
            self.fail(f"unknown matrix family {name!r} (known: {', '.join(_ARITY)})")
        if self.peek() == ("sym", "("):       # the named argument (R := ℚ)
            self.take()
            self.take("name", "R")
            self.take("sym", ":=")
            self.take("sym", "ℚ")
            self.take("sym", ")")
        args = [int(self.take("num")) for _ in range(_ARITY[name])]
        size = args[0]
        if size != self.rows or size != self.cols:
            self.fail(f"{name} {' '.join(map(str, args))} is {size} x {size}, but the "
                      f"definition is {self.rows} x {self.cols}")
        out = [[Fraction(0)] * size for _ in range(size)]
        if name == "projectDim":
            _, i, j = args
            cells = [(j, i)]
        else:
            _, width, src, dst = args
            cells = [(dst + b, src + b) for b in range(width)]
        for r, c in cells:
            if not (r < size and c < size):
                self.fail(f"{name} {' '.join(map(str, args))} writes outside the {size} x "
                          f"{size} matrix (row {r}, column {c})")
            out[r][c] = Fraction(1)
        return out


def _scale(k: int, m: Matrix) -> Matrix:
    return [[k * x for x in row] for row in m]


def _add(a: Matrix, b: Matrix, sign: int) -> Matrix:
    return [[x + sign * y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def as_fraction_matrix(value) -> Matrix:
    """Convert a Python constructor's output (lists, tuples or arrays of exact numbers).

    Integers, Fractions and integer-valued numpy scalars convert exactly; floats convert to the
    exact binary value they hold (so ``0.1`` will not equal ``1/10``, as it should not).

    Raises
    ------
    TypeError, ValueError
        Not a rectangular 2-D array of numbers.
    """
    rows = [list(r) for r in value]
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("not a non-empty rectangular matrix")
    out = []
    for r in rows:
        conv = []
        for x in r:
            if hasattr(x, "item") and not isinstance(x, (int, Fraction)):
                x = x.item()
            if isinstance(x, bool) or not isinstance(x, (int, Fraction, float)):
                raise TypeError(f"entry {x!r} of type {type(x).__name__} is not a number")
            conv.append(Fraction(x))
        out.append(conv)
    return out


def compare_matrices(expected: Matrix, actual: Matrix, limit: int = 5) -> list[str]:
    """Describe every difference (up to ``limit`` entries plus a count); empty when equal."""
    if len(expected) != len(actual) or any(len(a) != len(b) for a, b in zip(expected, actual)):
        shape = lambda m: f"{len(m)} x {len(m[0]) if m else 0}"  # noqa: E731
        return [f"shape {shape(actual)} differs from {shape(expected)}"]
    diffs = [(r, c, e, a) for r, (er, ar) in enumerate(zip(expected, actual))
             for c, (e, a) in enumerate(zip(er, ar)) if e != a]
    out = [f"[{r}][{c}]: {e} vs {a}" for r, c, e, a in diffs[:limit]]
    if len(diffs) > limit:
        out.append(f"... {len(diffs) - limit} more")
    return out


def matrix_to_strings(m: Sequence[Sequence[Fraction]]) -> list[list[str]]:
    """JSON-safe exact form (``"1"``, ``"-1/2"``), as Lean prints rationals."""
    return [[str(x) for x in row] for row in m]
