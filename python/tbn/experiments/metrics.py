"""Distances between a model's beliefs and exact posteriors, as the papers define them.

Axis order everywhere: ``(..., states)``: the last axis is the distribution.  Entropies and KL
divergences of categorical distributions are in bits; the Bernoulli KL of the loopy-BP table is in
nats with the paper's epsilon clipping (Coppola, section 10.5).
"""
from __future__ import annotations

import numpy as np

__all__ = ["bernoulli_kl", "entropy_bits", "kl_bits", "entropy_errors", "summary"]


def bernoulli_kl(p, q, eps: float = 1e-10) -> np.ndarray:
    """KL(Bernoulli(p) || Bernoulli(q)) in nats, both clipped to [eps, 1 - eps] first.

    The clipping is the paper's (it keeps a BP belief of exactly 0 or 1 finite); elementwise.
    """
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    q = np.clip(np.asarray(q, dtype=float), eps, 1 - eps)
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def entropy_bits(p) -> np.ndarray:
    """Shannon entropy in bits over the last axis; 0 log 0 = 0."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=-1)


def kl_bits(p, q) -> np.ndarray:
    """KL(p || q) in bits over the last axis; inf where q = 0 < p (a real, reported failure)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p > 0, np.log2(np.where(p > 0, p, 1.0)) - np.log2(q), 0.0)
    return (p * ratio).sum(axis=-1)


def entropy_errors(bayes, model) -> dict:
    """|H(model) - H(Bayes)| in bits, averaged two ways, and the mean KL(Bayes || model).

    ``bayes`` and ``model`` have shape ``(sequences, positions, states)``.  ``per_sequence``
    averages the absolute error over every (sequence, position); ``per_position`` first averages
    the entropies over sequences at each position, then takes the absolute difference and averages
    over positions, so that errors of opposite sign cancel (Agarwal et al. report both kinds).
    """
    h_bayes = entropy_bits(bayes)
    h_model = entropy_bits(model)
    kl = kl_bits(bayes, model)
    return {
        "entropy_error_per_sequence_bits": float(np.mean(np.abs(h_model - h_bayes))),
        "entropy_error_per_position_bits": float(np.mean(np.abs(h_model.mean(0) - h_bayes.mean(0)))),
        "kl_bits": float(np.mean(kl)),
        "by_position_abs_error_bits": np.mean(np.abs(h_model - h_bayes), axis=0).tolist(),
    }


def summary(values) -> dict:
    """Mean, standard deviation (ddof 1 when possible), min and max of a list of numbers."""
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "min": float(v.min()), "max": float(v.max()), "n": int(v.size)}
