"""Sum-product belief propagation on a finite factor graph (SPEC 3.2).

Messages are directed: the message from variable v to factor f multiplies the evidence on v and
every factor-to-variable message into v except f's own; the message from f to v sums f times the
messages from f's other variables onto v's states.  Every message is normalised to sum to one.
The belief of v is the normalised product of its evidence and all messages into v.  On a tree this
is exact (Pearl); on a graph with cycles it is loopy BP, an approximation that may not converge.

Definition of a round (the contract the compiled transformer is compared with): the state is the
set of factor-to-variable messages, all uniform before round 1.  Round t computes every
variable-to-factor message from the state of round t - 1, then every factor-to-variable message
from those, then applies damping.  With ``schedule="flooding"``, ``tol=0`` and ``max_iter=T`` the
result is the beliefs after exactly T rounds.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, Mapping

from ..errors import TbnError
from ..graph import FactorGraph
from . import _flat, _messages

__all__ = ["BPResult", "belief_propagation", "SCHEDULES", "BACKENDS"]

SCHEDULES = ("flooding", "residual")
BACKENDS = ("numpy", "mpmath")


@dataclass(frozen=True)
class BPResult:
    """Outcome of `belief_propagation`.

    Attributes
    ----------
    marginals : dict of str to list
        ``{name: [belief of state k]}`` in the graph's variable order; floats (numpy backend) or
        mpmath numbers (mpmath backend).  Observed variables get their indicator distribution.
    converged : bool
        True when the stopping rule fired before the iteration cap.
    iterations : int
        Rounds run (flooding), or sweeps of single-message updates, each sweep as many updates as
        there are edges, rounded up (residual).
    max_residual : float
        Largest change of a normalised factor-to-variable message entry, in probability, in the
        last round (flooding) or among the messages still pending (residual).
    """

    marginals: dict
    converged: bool
    iterations: int
    max_residual: float


def belief_propagation(fg: FactorGraph, evidence: Mapping[str, int] | None = None, *,
                       schedule: str = "flooding", damping: float = 0.0, tol: float = 1e-10,
                       max_iter: int = 1000, backend: str = "numpy",
                       dps: int | None = 50,
                       progress: Callable[[int, float], None] | None = None) -> BPResult:
    """Beliefs of every variable by sum-product belief propagation.

    Parameters
    ----------
    fg : FactorGraph
        The model.
    evidence : mapping of str to int, optional
        Observed variables and their state indices.  An observation is an indicator: the other
        states get probability exactly zero (log-potential ``-inf``), never a tiny epsilon.
    schedule : {"flooding", "residual"}
        ``"flooding"``: synchronous rounds (see the module docstring).  ``"residual"``: residual
        BP, always updating the pending message that would change most; same fixed points.
    damping : float in [0, 1)
        Each new factor-to-variable message is ``(1 - damping) * update + damping * old``, mixed
        in the probability domain (a convex combination of normalised messages).  Fixed points do
        not depend on it.
    tol : float >= 0
        Stop when the largest absolute change of a normalised factor-to-variable message entry
        (max norm, probability domain) is strictly below ``tol``; ``tol=0`` runs ``max_iter``
        rounds.
    max_iter : int >= 1
        Iteration cap.  Reaching it is not an error: the result says ``converged=False``.
    backend : {"numpy", "mpmath"}
        float64 in the log domain, vectorised (flooding), or mpmath at ``dps`` digits.
    dps : int, optional
        Decimal digits of the mpmath backend (default 50; scoped with `mpmath.workdps`).
    progress : callable, optional
        Called as ``progress(rounds, residual)`` after every round (after every sweep for the
        residual schedule), e.g. to show long runs moving.

    Returns
    -------
    BPResult

    Raises
    ------
    EvidenceError
        Unknown variable or state in ``evidence``; or the evidence and the factors are
        contradictory: a message or belief is identically zero, which proves Z = 0 (every state
        of positive probability keeps a positive message, so a zero never appears otherwise).
        On a tree every Z = 0 is caught this way once BP has run its rounds; on a graph with
        cycles BP can miss a contradiction that needs the cycle to show.
    TbnError
        An option is out of range.

    Examples
    --------
    Two binary variables joined by one factor, b observed in state 1:

    >>> fg = FactorGraph.build({"a": 2, "b": 2}, [(("a", "b"), [[1, 3], [2, 1]])])
    >>> r = belief_propagation(fg, {"b": 1})
    >>> [round(p, 12) for p in r.marginals["a"]], r.converged
    ([0.75, 0.25], True)
    """
    _check_options(fg, schedule, damping, tol, max_iter, backend, dps)
    observed = {fg.index(name): k for name, k in fg.check_evidence(evidence).items()}
    if backend == "mpmath":
        return _run_mpmath(fg, observed, schedule, damping, tol, max_iter, dps or 50, progress)
    if schedule == "flooding":
        flat = _flat.FlatGraph(fg, observed)
        f2v, converged, iterations, residual = _flat.run_flooding(flat, damping, tol, max_iter,
                                                                  progress)
        beliefs = [[float(x) for x in b] for b in flat.beliefs(f2v)]
    else:
        engine = _messages.MessageEngine(fg, observed, _messages.LogFloat())
        converged, iterations, residual = _messages.run_residual(engine, damping, tol, max_iter,
                                                                 progress)
        beliefs = engine.beliefs()
    return BPResult(dict(zip(fg.names, beliefs)), converged, iterations, float(residual))


def _run_mpmath(fg, observed, schedule, damping, tol, max_iter, dps, progress) -> BPResult:
    import mpmath

    with mpmath.workdps(dps):
        engine = _messages.MessageEngine(fg, observed, _messages.MpProb())
        tol_mp = mpmath.mpf(tol)
        run = _messages.run_flooding if schedule == "flooding" else _messages.run_residual
        converged, iterations, residual = run(engine, damping, tol_mp, max_iter, progress)
        beliefs = engine.beliefs()
    return BPResult(dict(zip(fg.names, beliefs)), converged, iterations, float(residual))


def _check_options(fg, schedule, damping, tol, max_iter, backend, dps) -> None:
    """Report every bad option at once."""
    problems = []
    if not isinstance(fg, FactorGraph):
        problems.append(f"expected a FactorGraph, got {type(fg).__name__}")
    if schedule not in SCHEDULES:
        problems.append(f"schedule must be one of {list(SCHEDULES)}, got {schedule!r}")
    if backend not in BACKENDS:
        problems.append(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if not _real(damping) or not 0 <= damping < 1:
        problems.append(f"damping must be a number in [0, 1), got {damping!r}")
    if not _real(tol) or not tol >= 0 or math.isinf(tol):
        problems.append(f"tol must be a finite number >= 0, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        problems.append(f"max_iter must be an integer >= 1, got {max_iter!r}")
    if backend == "mpmath" and dps is not None and (
            isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 1):
        problems.append(f"dps must be an integer >= 1, got {dps!r}")
    if problems:
        raise TbnError("belief_propagation: " + "; ".join(problems))


def _real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and not math.isnan(x)
