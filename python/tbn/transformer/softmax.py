"""Softmax attention at a finite temperature: how far it is from hard attention (SPEC 3.4).

Top weight.  If the top score beats every other of the n scores by at least ``gap`` > 0, the
softmax weight of the top is ``1 / (1 + sum_k exp(-lam (s_top - s_k))) >= 1 / (1 + (n-1)
exp(-lam gap))``, so ``lam >= log((n-1)(1-eps)/eps) / gap`` makes it at least ``1 - eps``.  The
bound is attained when all n-1 other scores sit exactly ``gap`` below the top.

Error of the explicit oplus layer.  Queries and keys read only the codes, which no layer changes,
so every layer sees the same attention weights; a head gathers ``sum_k alpha_k l_k`` instead of
``l_top``, off by ``|sum_{k != top} alpha_k (l_k - l_top)| <= eps * spread`` with ``spread =
max_k l_k - min_k l_k``.  With ``e_t`` the largest log-odds error after t layers and ``m_t`` the
largest |log-odds| of the hard run, ``e_{t+1} <= 2 e_t + 2 eps spread_t <= 2 e_t + 4 eps m_t`` and
``m_t <= 2^t m_0``, hence ``e_T <= T 2^(T+1) eps m_0``: ``4 eps m_0`` after one layer.  Beliefs
are ``sigma`` of log-odds and sigma is 1/4-Lipschitz, so belief errors are at most ``e_T / 4``.
"""
from __future__ import annotations

import math

import mpmath

from ..errors import ModelError
from .model import Layer

__all__ = ["min_inverse_temperature", "top_weight_epsilon", "oplus_error_bound", "softmax_layer"]


def _check(n: int, gap, eps=None) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ModelError(f"need at least n = 2 tokens, got {n!r}")
    if not gap > 0:
        raise ModelError(f"the score gap must be positive, got {gap!r}")
    if eps is not None and not 0 < eps < 1:
        raise ModelError(f"eps must lie in (0, 1), got {eps!r}")


def min_inverse_temperature(n: int, gap, eps):
    """Smallest lambda with guaranteed top weight ``>= 1 - eps``: ``log((n-1)(1-eps)/eps)/gap``.

    Works on floats and on mpmath numbers (at the caller's precision).
    """
    _check(n, gap, eps)
    log = mpmath.log if isinstance(eps, mpmath.mpf) or isinstance(gap, mpmath.mpf) else math.log
    return max(log((n - 1) * (1 - eps) / eps) / gap, 0 * gap)


def top_weight_epsilon(n: int, gap, lam):
    """The ``eps`` that ``lam`` guarantees: ``(n-1) e^(-lam gap) / (1 + (n-1) e^(-lam gap))``."""
    _check(n, gap)
    if not lam >= 0:  # a negative temperature favours the lowest score: no guarantee at all
        raise ModelError(f"the inverse temperature must be >= 0, got {lam!r}")
    exp = mpmath.exp if isinstance(lam, mpmath.mpf) or isinstance(gap, mpmath.mpf) else math.exp
    t = (n - 1) * exp(-lam * gap)
    return t / (1 + t)


def oplus_error_bound(eps, max_abs_log_odds, layers: int):
    """Bound ``T 2^(T+1) eps m_0`` on the log-odds error of T softmax oplus layers vs hard ones."""
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 0:
        raise ModelError(f"layers must be a natural number, got {layers!r}")
    if not (0 <= eps < 1) or not max_abs_log_odds >= 0:
        raise ModelError(f"need 0 <= eps < 1 and max |log-odds| >= 0, got {eps!r}, {max_abs_log_odds!r}")
    return layers * 2 ** (layers + 1) * eps * max_abs_log_odds


def softmax_layer(layer: Layer, lam) -> Layer:
    """The same weights with softmax attention at inverse temperature ``lam``."""
    return Layer(layer.heads, layer.ffn, "softmax", lam)
