"""The exception tree of tbn.

Every error a user can cause (a malformed model file, bad evidence, a broken manifest) is a
`TbnError`; the command line turns it into one line on stderr and a non-zero exit code, never a
traceback.  Programming errors stay ordinary Python exceptions.
"""
from __future__ import annotations


class TbnError(Exception):
    """Root of every error that tbn reports to a user."""


class ModelError(TbnError):
    """A factor graph, knowledge base or set of weights is invalid (shape, sign, NaN, domain)."""


class ParseError(TbnError):
    """A model or Lean file could not be read; carries the file and line when known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line


class EvidenceError(ModelError):
    """Evidence names an unknown variable or value, or is contradictory (Z = 0)."""


class ConvergenceError(TbnError):
    """An iterative algorithm hit its iteration cap when the caller required convergence."""

    def __init__(self, message: str, iterations: int, residual: float):
        super().__init__(f"{message} (after {iterations} iterations, residual {residual:.3g})")
        self.iterations = iterations
        self.residual = residual


class LeanBridgeError(TbnError):
    """The Lean side could not be read or run: missing toolchain, crash, timeout, bad source."""


class ManifestError(LeanBridgeError):
    """proofs_manifest.toml is malformed: missing key, wrong type, duplicate id, unknown check."""
