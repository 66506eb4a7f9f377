"""tbn: a Lean 4 <-> Python bridge for 'sigmoid transformers are Bayesian networks'."""
from .errors import (ConvergenceError, EvidenceError, LeanBridgeError, ManifestError,
                     ModelError, ParseError, TbnError)

__version__ = "0.1.0"

# The readers, the graph and exact inference load on first use (PEP 562), so that a program that
# needs one of them (`tbn infer` on a BIF file, say) does not pay for importing the others.
_LAZY = {"read_bif": "bif", "marginals": "exact", "Factor": "graph", "FactorGraph": "graph",
         "Logistic": "graph", "Variable": "graph", "read_kb": "kb", "read_model": "kb"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "TbnError", "ModelError", "ParseError", "EvidenceError", "ConvergenceError",
    "LeanBridgeError", "ManifestError", "Factor", "FactorGraph", "Variable",
    "Logistic", "marginals", "read_bif", "read_kb", "read_model",
]
