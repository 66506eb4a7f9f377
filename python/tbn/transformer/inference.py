"""Marginals by running the compiled transformer: the `--method transformer` of `tbn infer`."""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, Mapping

import mpmath

from ..errors import TbnError
from ..graph import FactorGraph
from .compiler import compile_factor_graph

__all__ = ["TransformerResult", "transformer_marginals"]


@dataclass(frozen=True)
class TransformerResult:
    """Like `tbn.bp.BPResult`, plus the architecture that produced it.

    ``iterations`` counts BP rounds (each a block of layers); ``architecture`` is
    `CompiledBP.summary` of the rounds run.
    """

    marginals: dict
    converged: bool
    iterations: int
    max_residual: float
    architecture: dict


def transformer_marginals(fg: FactorGraph, evidence: Mapping[str, int] | None = None, *,
                          max_iter: int = 1000, tol: float = 1e-10,
                          dps: int | None = None,
                          progress: Callable[[int, float], None] | None = None
                          ) -> TransformerResult:
    """Beliefs of every variable from the forward passes of the compiled transformer.

    Parameters
    ----------
    fg, evidence
        The model and the observed state indices.
    max_iter : int >= 1
        Round cap; reaching it is not an error (``converged=False``).
    tol : float >= 0
        The stopping rule of `tbn.bp.belief_propagation`: stop after the first round in which the
        largest absolute change of a normalised factor-to-variable message entry (probability
        domain) is strictly below ``tol``; ``tol=0`` runs ``max_iter`` rounds.
    dps : int, optional
        None: float64 weights and the numpy forward pass.  An int: weights and forward pass in
        mpmath at ``dps`` digits; marginals are then mpf.
    progress : callable, optional
        Called as ``progress(rounds, residual)`` after every round, as by
        `tbn.bp.belief_propagation`: to show long runs moving, or to stop them between rounds.

    Returns
    -------
    TransformerResult

    Raises
    ------
    TbnError
        An option out of range.
    ModelError, EvidenceError
        From `compile_factor_graph`.
    """
    problems = []
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        problems.append(f"max_iter must be an integer >= 1, got {max_iter!r}")
    if (isinstance(tol, bool) or not isinstance(tol, numbers.Real) or math.isnan(tol)
            or not 0 <= tol < math.inf):
        problems.append(f"tol must be a finite number >= 0, got {tol!r}")
    if problems:
        raise TbnError("transformer_marginals: " + "; ".join(problems))
    compiled = compile_factor_graph(fg, evidence, dps=dps)
    backend = "numpy" if dps is None else "mpmath"
    with mpmath.workdps(dps or mpmath.mp.dps):
        x = compiled.initial_state()
        previous = compiled.message_probabilities(x, 0)
        converged, residual, t = False, math.inf, 0
        for t in range(1, max_iter + 1):
            for layer in compiled.block(t):
                x = layer.forward(x, backend)
            current = compiled.message_probabilities(x, t)
            residual = max((abs(a - b) for slot in current
                            for a, b in zip(current[slot], previous[slot])), default=0)
            previous = current
            if progress:
                progress(t, residual)
            if residual < tol:
                converged = True
                break
        beliefs = compiled.beliefs(x, t)
    return TransformerResult(beliefs, converged, t, float(residual), compiled.summary(t))
