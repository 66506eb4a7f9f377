"""tbn: a Lean 4 <-> Python bridge for 'sigmoid transformers are Bayesian networks'."""
from .errors import (ConvergenceError, EvidenceError, LeanBridgeError, ManifestError,
                     ModelError, ParseError, TbnError)
from .graph import Factor, FactorGraph, Variable

__version__ = "0.1.0"

__all__ = [
    "TbnError", "ModelError", "ParseError", "EvidenceError", "ConvergenceError",
    "LeanBridgeError", "ManifestError", "Factor", "FactorGraph", "Variable",
]
