"""tbn: a Lean 4 <-> Python bridge for 'sigmoid transformers are Bayesian networks'."""
from .errors import (ConvergenceError, EvidenceError, LeanBridgeError, ManifestError,
                     ModelError, ParseError, TbnError)
from .bif import read_bif
from .exact import marginals
from .graph import Factor, FactorGraph, Logistic, Variable
from .kb import read_kb, read_model

__version__ = "0.1.0"

__all__ = [
    "TbnError", "ModelError", "ParseError", "EvidenceError", "ConvergenceError",
    "LeanBridgeError", "ManifestError", "Factor", "FactorGraph", "Variable",
    "Logistic", "marginals", "read_bif", "read_kb", "read_model",
]
