"""`tbn reproduce windtunnel`: the Bayesian wind tunnels, solved by construction and by training.

Tasks and exact posteriors are in `tbn.experiments.wind_tasks` (Agarwal, Dalal, Misra,
arXiv 2512.22471).  For each task this experiment reports, against the exact posterior:

- a constructed transformer with explicit weights.  Bijection: one causal hard-attention head that
  gathers the values revealed so far, a ReLU FFN that turns "revealed" into a logit of ``-M``, a
  softmax readout.  Its error is not zero but a closed form, ``log2(1 + t e^-M / (V - t))`` bits of
  KL after t revealed values, so the 50-digit run checks the measured error against that formula.
  HMM: the filtering chain ``s_1 - ... - s_t`` with the emissions as unary factors, compiled into
  a transformer by `tbn.transformer` (sum-product, exact on trees), one prefix at a time; note that
  the construction puts the HMM's matrices into the weights, where the trained model reads them
  from its input.
- a small trained causal transformer and a per-token MLP of about the same parameter count, on the
  CPU budget of a laptop; the MLP cannot see the context, which puts a floor under its error
  (log2 V - log2(V!)/(V-1) bits for bijection: 1.107 at V = 20), a sanity check on the training.

Entropy errors are in bits, averaged per sequence and per position (see `metrics.entropy_errors`).
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from ..graph import Factor, FactorGraph, Variable
from . import metrics
from . import wind_tasks as wt
from ._common import Report, new_figure, progress

__all__ = ["bijection_weights", "bijection_forward", "bijection_kl_closed_form",
           "hmm_prefix_graph", "constructed_filter", "run"]


# -- bijection: explicit weights ------------------------------------------------------------------

def bijection_weights(V: int, margin) -> dict:
    """One layer: hard causal attention, ReLU FFN, softmax readout, for the bijection task.

    Residual layout (width ``4V + 1``): one-hot token ``[0, 2V)``, a constant 1 at ``2V``, the
    gathered values ``[2V+1, 3V+1)``, the output logits ``[3V+1, 4V+1)``.  The head scores 1 on
    value tokens and 0 on key tokens (query reads the constant, key reads "is a value"), so a key
    position attends uniformly to the values revealed before it and gathers ``1/t`` on each.  The
    FFN computes ``min(1, V * gathered)`` with two ReLUs, i.e. 1 for a revealed value and 0
    otherwise, and writes ``-margin`` times it into the logits.  No weight depends on the sequence.
    """
    D = 4 * V + 1
    bias, gathered, logits = 2 * V, 2 * V + 1, 3 * V + 1
    query = np.zeros((1, D), dtype=object)
    query[0, bias] = 1
    key = np.zeros((1, D), dtype=object)
    key[0, V:2 * V] = 1
    value = np.zeros((D, D), dtype=object)
    w1 = np.zeros((2 * V, D), dtype=object)
    b1 = np.zeros(2 * V, dtype=object)
    w2 = np.zeros((D, 2 * V), dtype=object)
    for v in range(V):
        value[gathered + v, V + v] = 1
        w1[v, gathered + v] = V
        w1[V + v, gathered + v] = V
        b1[V + v] = -1
        w2[logits + v, v] = -margin
        w2[logits + v, V + v] = margin
    return {"V": V, "width": D, "query": query, "key": key, "value": value, "w1": w1, "b1": b1,
            "w2": w2, "logits": slice(logits, logits + V)}


def bijection_forward(weights: dict, tokens, backend: str = "numpy", dps: int = 50) -> np.ndarray:
    """Posteriors at the key positions of one sequence, shape ``(L, V)``.

    ``backend="numpy"`` runs in float64; ``"mpmath"`` runs every product and the softmax with mpf
    numbers at ``dps`` digits (the hard-attention argmax compares exact integer scores either way).
    """
    V, D = weights["V"], weights["width"]
    n = len(tokens)
    if backend == "numpy":
        cast = lambda a: np.asarray(a, dtype=float)  # noqa: E731
        exp, one = np.exp, 1.0
    else:
        cast = lambda a: np.vectorize(mpmath.mpf, otypes=[object])(a)  # noqa: E731
        exp, one = np.vectorize(mpmath.exp, otypes=[object]), mpmath.mpf(1)
    with mpmath.workdps(dps):
        W = {k: cast(weights[k]) for k in ("query", "key", "value", "w1", "b1", "w2")}
        X = cast(np.zeros((n, D), dtype=int))
        for j, tok in enumerate(tokens):
            X[j, tok] = one
            X[j, 2 * V] = one
        q, k, vals = X @ W["query"].T, X @ W["key"].T, X @ W["value"].T
        scores = q @ k.T                                   # exact small integers
        A = X * 0
        for j in range(n):
            allowed = [float(s) for s in scores[j, : j + 1]]
            best = [i for i, s in enumerate(allowed) if s == max(allowed)]
            A[j] = sum(vals[i] for i in best) / len(best)  # hard attention: uniform on the argmax
        X = X + A
        hidden = X @ W["w1"].T + W["b1"]
        hidden = np.where(hidden > 0, hidden, hidden * 0)  # ReLU
        X = X + hidden @ W["w2"].T
        z = X[0::2, weights["logits"]]
        e = exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def bijection_kl_closed_form(V: int, margin: float, dps: int = 50) -> list:
    """KL(Bayes || construction) in bits at each key position: log2(1 + t e^-M / (V - t))."""
    with mpmath.workdps(dps):
        return [mpmath.log(1 + t * mpmath.exp(-mpmath.mpf(margin)) / (V - t), 2)
                for t in range(V - 1)]


def _mp_kl_bits(p, q, dps):
    with mpmath.workdps(dps):
        return sum((pi * mpmath.log(pi / qi, 2) for pi, qi in zip(p, q) if pi != 0), mpmath.mpf(0))


# -- HMM: the compiled chain ----------------------------------------------------------------------

def hmm_prefix_graph(trans_units, emit_units, obs, grid: int = 100) -> FactorGraph:
    """The chain ``s_1 - ... - s_t`` whose last marginal is p(s_t | o_1..o_t).

    Transition factors on consecutive states, the emission column of each observation as a unary
    factor; the uniform initial state needs no factor.  Tables carry their exact rational values
    (``units / grid``), so 50-digit runs see 0.07 and not the nearest binary float.
    """
    S = trans_units.shape[0]
    variables = [Variable(f"s{i}", tuple(str(s) for s in range(S))) for i in range(len(obs))]

    def factor(names, units):
        exact = np.empty(units.shape, dtype=object)
        exact.flat[:] = [Fraction(int(u), grid) for u in units.flat]
        return Factor(tuple(names), units / grid, exact=exact)

    factors = [factor([f"s{i}"], emit_units[:, o]) for i, o in enumerate(obs)]
    factors += [factor([f"s{i - 1}", f"s{i}"], trans_units) for i in range(1, len(obs))]
    return FactorGraph(tuple(variables), tuple(factors))


def constructed_filter(trans_units, emit_units, obs, dps: int | None = None) -> np.ndarray:
    """Filtering posteriors from the compiled transformer, one prefix graph per position."""
    from ..transformer import transformer_marginals
    rows = []
    for t in range(1, len(obs) + 1):
        fg = hmm_prefix_graph(trans_units, emit_units, obs[:t])
        # Pearl: on a tree, enough synchronous rounds to cross it give the exact marginals; the
        # chain of t variables needs t (one spare round here).  tol=0 runs exactly that many.
        result = transformer_marginals(fg, None, max_iter=t + 1, tol=0, dps=dps)
        rows.append(list(result.marginals[f"s{t - 1}"]))
    return np.array(rows, dtype=object if dps else float)


# -- trained models -------------------------------------------------------------------------------

_SIZES = {
    "tiny": dict(construct_seqs=3, construct_mp=1, hmm_construct=1, hmm_construct_mp=1, hmm_len=6,
                 steps=20, batch=16, eval_seqs=32, d_model=32, layers=1, heads=2, hmm_lengths=[20]),
    "default": dict(construct_seqs=200, construct_mp=5, hmm_construct=20, hmm_construct_mp=1,
                    hmm_len=20,
                    steps=1500, batch=64, eval_seqs=1000, d_model=64, layers=3, heads=4,
                    hmm_lengths=[20, 30, 50]),
    "full": dict(construct_seqs=2000, construct_mp=20, hmm_construct=200, hmm_construct_mp=5,
                 hmm_len=20,
                 steps=20000, batch=128, eval_seqs=5000, d_model=128, layers=4, heads=4,
                 hmm_lengths=[20, 30, 50]),
}
_V, _S, _O, _HMM_TRAIN_LEN = 20, 5, 5, 20


def _mlp_matching(target: int, make) -> tuple:
    """The per-token MLP whose parameter count is closest to ``target`` (searching the width)."""
    from ._nets import count_parameters
    best = None
    for hidden in range(16, 1025, 8):
        model = make(hidden)
        gap = abs(count_parameters(model) - target)
        if best is None or gap < best[0]:
            best = (gap, model, hidden)
        elif count_parameters(model) > target:
            break
    return best[1], best[2]


def _train_steps(model, batches, steps: int, seed: int, lr: float = 3e-4) -> list[float]:
    """AdamW on fresh batches ``batches(step) -> (x, y, mask)``; cross-entropy on masked tokens."""
    from ._nets import require_torch
    torch = require_torch()
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        x, y, m = batches(step)
        out = model(torch.as_tensor(x))
        loss = torch.nn.functional.cross_entropy(out[torch.as_tensor(m)],
                                                 torch.as_tensor(y)[torch.as_tensor(m)])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


def _bijection_trained(cfg: dict, seed: int) -> dict:
    from . import _nets
    torch = _nets.require_torch()
    V, L = _V, _V - 1
    n = 2 * L - 1
    rng = np.random.default_rng([seed, 2])

    def batches(_step):
        tokens, perms = wt.bijection_sequences(rng, cfg["batch"], V)
        target = np.zeros_like(tokens)
        keys = tokens[:, 0::2]
        target[:, 0::2] = np.take_along_axis(perms, keys, axis=1)
        mask = np.zeros(tokens.shape, dtype=bool)
        mask[:, 0::2] = True
        return tokens, target, mask

    torch.manual_seed(seed)
    tf = _nets.Encoder(None, V, d_model=cfg["d_model"], heads=cfg["heads"], layers=cfg["layers"],
                       ffn=4 * cfg["d_model"], causal=True, vocab=2 * V, max_len=n)
    mlp, hidden = _mlp_matching(_nets.count_parameters(tf),
                                lambda h: _nets.TokenMLP(None, V, hidden=h, vocab=2 * V, max_len=n))
    eval_tokens, _ = wt.bijection_sequences(np.random.default_rng([seed, 3]), cfg["eval_seqs"], V)
    bayes = wt.bijection_posteriors(eval_tokens, V)
    out = {}
    for name, model in (("transformer", tf), ("mlp", mlp)):
        losses = _train_steps(model, batches, cfg["steps"], seed)
        pred = _nets.predict(model, eval_tokens, "dist")[:, 0::2]
        every = max(1, len(losses) // 50)
        out[name] = {"parameters": _nets.count_parameters(model), "final_loss": losses[-1],
                     "loss_curve": losses[::every], "loss_curve_every": every,
                     **metrics.entropy_errors(bayes, pred)}
    out["mlp"]["hidden"] = hidden
    out["mlp_floor_bits"] = wt.bijection_mlp_floor_bits(V)
    out["bayes_cross_entropy_nats"] = float(np.mean(np.log(V - np.arange(L))))
    return out


def _position_features(length: int, width: int = 8) -> np.ndarray:
    """Fixed sinusoidal position features (so that lengths beyond training still have an input)."""
    t = np.arange(length)[:, None]
    freq = 1.0 / (10.0 ** (np.arange(width // 2) / (width // 2)))[None, :]
    return np.concatenate([np.sin(t * freq), np.cos(t * freq)], axis=1)


def _hmm_batch(rng, count: int, length: int):
    """Inputs (matrices + one-hot observation + position), hidden states, exact filters, units."""
    feats, states, filters, mats = [], [], [], []
    pos = _position_features(length)
    for _ in range(count):
        tu, eu = wt.grid_dirichlet_rows(rng, _S, _S), wt.grid_dirichlet_rows(rng, _S, _O)
        trans, emit = tu / 100, eu / 100
        s, o = wt.hmm_sample(rng, trans, emit, length)
        x = np.concatenate([np.broadcast_to(np.concatenate([trans.ravel(), emit.ravel()]),
                                            (length, 2 * _S * _S)),
                            np.eye(_O)[o], pos], axis=1)
        feats.append(x)
        states.append(s)
        filters.append(wt.forward_filter(trans, emit, o))
        mats.append((tu, eu, o))
    return (np.array(feats, dtype=np.float32), np.array(states), np.array(filters), mats)


def _mlp_bayes_floor(mats) -> np.ndarray:
    """The best any per-token model can do: p(s_t | o_t, t) = emit[:, o_t] * (uniform T^(t-1))."""
    rows = []
    for tu, eu, obs in mats:
        trans, emit = tu / 100, eu / 100
        prior = np.full(_S, 1.0 / _S)
        seq = []
        for o in obs:
            p = prior * emit[:, o]
            seq.append(p / p.sum())
            prior = prior @ trans
        rows.append(seq)
    return np.array(rows)


def _hmm_trained(cfg: dict, seed: int) -> dict:
    from . import _nets
    torch = _nets.require_torch()
    rng = np.random.default_rng([seed, 4])
    in_dim = 2 * _S * _S + _O + 8

    def batches(_step):
        x, s, _, _ = _hmm_batch(rng, cfg["batch"], _HMM_TRAIN_LEN)
        return x, s, np.ones(s.shape, dtype=bool)

    torch.manual_seed(seed)
    tf = _nets.Encoder(in_dim, _S, d_model=cfg["d_model"], heads=cfg["heads"],
                       layers=cfg["layers"], ffn=4 * cfg["d_model"], causal=True)
    mlp, hidden = _mlp_matching(_nets.count_parameters(tf),
                                lambda h: _nets.TokenMLP(in_dim, _S, hidden=h))
    out = {"transformer": {"parameters": _nets.count_parameters(tf)},
           "mlp": {"parameters": _nets.count_parameters(mlp), "hidden": hidden},
           "mlp_bayes_floor": {}}
    for name, model in (("transformer", tf), ("mlp", mlp)):
        losses = _train_steps(model, batches, cfg["steps"], seed)
        every = max(1, len(losses) // 50)
        out[name].update(final_loss=losses[-1], loss_curve=losses[::every], loss_curve_every=every)
    for length in cfg["hmm_lengths"]:
        x, _, bayes, mats = _hmm_batch(np.random.default_rng([seed, 5, length]),
                                       cfg["eval_seqs"], length)
        for name, model in (("transformer", tf), ("mlp", mlp)):
            out[name][f"length_{length}"] = metrics.entropy_errors(bayes, _nets.predict(model, x, "dist"))
        out["mlp_bayes_floor"][f"length_{length}"] = metrics.entropy_errors(bayes, _mlp_bayes_floor(mats))
    return out


# -- the experiment -------------------------------------------------------------------------------

def _bijection_constructed(cfg: dict, seed: int) -> dict:
    rng = np.random.default_rng([seed, 0])
    tokens, _ = wt.bijection_sequences(rng, cfg["construct_seqs"], _V)
    bayes = wt.bijection_posteriors(tokens, _V)
    out = {}
    for margin in (20, 40, 100):
        weights = bijection_weights(_V, margin)
        pred = np.array([bijection_forward(weights, t) for t in tokens])
        out[f"margin_{margin}_float64"] = {k: v for k, v in metrics.entropy_errors(bayes, pred).items()
                                           if k != "by_position_abs_error_bits"}
    dps = 50
    weights = bijection_weights(_V, 100)
    closed = bijection_kl_closed_form(_V, 100, dps)
    worst_gap, worst_kl = mpmath.mpf(0), mpmath.mpf(0)
    for t in tokens[: cfg["construct_mp"]]:
        pred = bijection_forward(weights, t, backend="mpmath", dps=dps)
        with mpmath.workdps(dps):
            exact = [[Fraction(1, _V - i) if j not in set(t[1:2 * i:2] - _V) else Fraction(0)
                      for j in range(_V)] for i in range(_V - 1)]
            for i in range(_V - 1):
                kl = _mp_kl_bits([mpmath.mpf(p.numerator) / p.denominator for p in exact[i]],
                                 pred[i], dps)
                worst_kl = max(worst_kl, kl)
                worst_gap = max(worst_gap, abs(kl - closed[i]))
    out["margin_100_mpmath50"] = {"sequences": cfg["construct_mp"], "max_kl_bits": worst_kl,
                                  "closed_form_max_kl_bits": max(closed),
                                  "max_gap_to_closed_form": worst_gap}
    return out


def _hmm_constructed(cfg: dict, seed: int) -> dict:
    from .. import transformer
    if not hasattr(transformer, "transformer_marginals"):
        return {"status": "SKIPPED", "reason": "tbn.transformer.transformer_marginals missing"}
    rng = np.random.default_rng([seed, 6])
    bayes, pred, mp_gap = [], [], mpmath.mpf(0)
    for k in range(cfg["hmm_construct"]):
        tu, eu = wt.grid_dirichlet_rows(rng, _S, _S), wt.grid_dirichlet_rows(rng, _S, _O)
        _, obs = wt.hmm_sample(rng, tu / 100, eu / 100, cfg["hmm_len"])
        bayes.append(wt.forward_filter(tu / 100, eu / 100, obs))
        pred.append(constructed_filter(tu, eu, obs))
        if k < cfg["hmm_construct_mp"]:
            exact = wt.forward_filter(_fractions(tu), _fractions(eu), obs)
            got = constructed_filter(tu, eu, obs, dps=50)
            with mpmath.workdps(50):
                for e_row, g_row in zip(exact, got):
                    for e, g in zip(e_row, g_row):
                        mp_gap = max(mp_gap, abs(mpmath.mpf(e.numerator) / e.denominator - g))
    errs = metrics.entropy_errors(np.array(bayes), np.array(pred, dtype=float))
    errs.pop("by_position_abs_error_bits")
    return {"status": "PASSED" if mp_gap < mpmath.mpf(10) ** -40 else "FAILED",
            "sequences": cfg["hmm_construct"], "length": cfg["hmm_len"], "float64": errs,
            "max_abs_error_float64": float(np.max(np.abs(np.array(bayes) - np.array(pred, dtype=float)))),
            "mpmath50": {"sequences": cfg["hmm_construct_mp"], "max_abs_error": mp_gap}}


def _fractions(units):
    out = np.empty(units.shape, dtype=object)
    out.flat[:] = [Fraction(int(u), 100) for u in units.flat]
    return out


def _plots(results: dict) -> dict:
    figs = {}
    bij = results["bijection"]
    fig, (ax_h, ax_l) = new_figure(2)
    t = np.arange(1, _V)
    ax_h.plot(t, wt.bijection_entropy_bits(_V), "k-", label="Bayes: log2(V - t + 1)")
    if "trained" in bij:
        for name in ("transformer", "mlp"):
            ax_h.plot(t, bij["trained"][name]["by_position_abs_error_bits"], marker=".",
                      label=f"|H error|, trained {name}")
        for name, label in (("transformer", "transformer"), ("mlp", "MLP")):
            curve = bij["trained"][name]["loss_curve"]
            ax_l.plot(np.arange(len(curve)) * bij["trained"][name]["loss_curve_every"], curve,
                      label=label)
        ax_l.axhline(bij["trained"]["bayes_cross_entropy_nats"], color="k", ls=":",
                     label="Bayes cross-entropy")
        ax_l.set_xlabel("training step")
        ax_l.set_ylabel("cross-entropy (nats)")
        ax_l.legend(fontsize=8)
    ax_h.set_xlabel("key position t")
    ax_h.set_ylabel("bits")
    ax_h.legend(fontsize=7)
    fig.suptitle("Bijection elimination, V = 20")
    figs["bijection"] = fig
    if "trained" in results["hmm"]:
        hmm = results["hmm"]["trained"]
        fig, (ax,) = new_figure(1, width=6)
        for name, label in (("transformer", "trained transformer"), ("mlp", "trained MLP"),
                            ("mlp_bayes_floor", "best per-token model (exact)")):
            length = max(int(k.split("_")[1]) for k in hmm[name] if k.startswith("length_"))
            errs = hmm[name][f"length_{length}"]["by_position_abs_error_bits"]
            ax.plot(np.arange(1, len(errs) + 1), errs, marker=".", label=label)
        ax.axvline(_HMM_TRAIN_LEN, color="grey", ls=":", label="training length")
        ax.set_yscale("log")
        ax.set_xlabel("position t")
        ax.set_ylabel("mean |H(model) - H(Bayes)| (bits)")
        ax.legend(fontsize=8)
        fig.suptitle("HMM filtering (5 states, 5 symbols)")
        figs["hmm"] = fig
    return figs


def _markdown(r: dict) -> str:
    b, h = r["bijection"], r["hmm"]
    c100 = b["constructed"]["margin_100_mpmath50"]
    lines = ["## Bijection elimination (V = 20)", "",
             "Constructed one-layer transformer (weights in `bijection_weights`), error against the "
             "exact posterior:", "",
             "| margin M | entropy error per sequence (bits) | per position | KL (bits) |",
             "|---|---|---|---|"]
    for m in (20, 40, 100):
        e = b["constructed"][f"margin_{m}_float64"]
        lines.append(f"| {m} (float64) | {e['entropy_error_per_sequence_bits']:.3g} | "
                     f"{e['entropy_error_per_position_bits']:.3g} | {e['kl_bits']:.3g} |")
    lines += ["", f"At 50 digits (M = 100, {c100['sequences']} sequence(s)): largest KL "
              f"{c100['max_kl_bits']} bits; the closed form log2(1 + t e^-M/(V - t)) predicts at most "
              f"{c100['closed_form_max_kl_bits']}; largest gap between the two "
              f"{c100['max_gap_to_closed_form']}.", ""]
    if "trained" in b:
        tr = b["trained"]
        lines += ["Trained (same budget for both; the MLP sees one token and its position):", "",
                  "| model | parameters | entropy error per sequence | per position | KL (bits) |",
                  "|---|---|---|---|---|"]
        for name in ("transformer", "mlp"):
            e = tr[name]
            lines.append(f"| {name} | {e['parameters']} | {e['entropy_error_per_sequence_bits']:.4f} | "
                         f"{e['entropy_error_per_position_bits']:.4f} | {e['kl_bits']:.4f} |")
        lines += ["", f"Analytic MLP floor: {tr['mlp_floor_bits']:.4f} bits (published: 1.107). "
                  "Published transformer: 0.003 to 0.007 bits after 50k steps of a 2.7M-parameter "
                  "model.", ""]
    lines += ["## HMM filtering (5 states, 5 symbols)", ""]
    if h["constructed"].get("status") == "SKIPPED":
        lines += [f"Compiled chain transformer: SKIPPED ({h['constructed']['reason']}).", ""]
    else:
        c = h["constructed"]
        lines += [f"Compiled chain transformer ({c['status']}), {c['sequences']} sequence(s) of "
                  f"length {c['length']}: largest |p - p_exact| {c['max_abs_error_float64']:.3g} in float64, "
                  f"{c['mpmath50']['max_abs_error']} at 50 digits ({c['mpmath50']['sequences']} "
                  f"sequence(s)); entropy error {c['float64']['entropy_error_per_sequence_bits']:.3g} "
                  "bits per sequence.", ""]
    if "trained" in h:
        lines += ["| model | length | entropy error per sequence | per position | KL (bits) |",
                  "|---|---|---|---|---|"]
        for name in ("transformer", "mlp", "mlp_bayes_floor"):
            for key, e in h["trained"][name].items():
                if key.startswith("length_"):
                    lines.append(f"| {name} | {key[7:]} | {e['entropy_error_per_sequence_bits']:.4f} | "
                                 f"{e['entropy_error_per_position_bits']:.4f} | {e['kl_bits']:.4f} |")
        lines += ["", "`mlp_bayes_floor` is the exact best per-token predictor "
                  "p(s_t | o_t, t): no model without the context has a lower expected KL. Its KL "
                  "is small here: with these matrices the current symbol carries most of what "
                  "the context knows. Published: transformer 7.5e-5 bits at length 20, 0.012 at "
                  "30, 0.029 at 50; MLP about 0.40.", ""]
    return "\n".join(lines)


def run(seed: int, size: str, train: bool = True) -> Report:
    """Constructed solutions (always) and trained models (when ``train``; needs torch)."""
    cfg = _SIZES[size]
    progress("windtunnel: constructed bijection transformer")
    results = {"bijection": {"V": _V, "constructed": _bijection_constructed(cfg, seed)}}
    progress("windtunnel: compiled HMM filter")
    results["hmm"] = {"states": _S, "symbols": _O, "constructed": _hmm_constructed(cfg, seed)}
    results["config"] = cfg
    if train:
        progress(f"windtunnel: training on bijection ({cfg['steps']} steps per model)")
        results["bijection"]["trained"] = _bijection_trained(cfg, seed)
        progress(f"windtunnel: training on HMM filtering ({cfg['steps']} steps per model)")
        results["hmm"]["trained"] = _hmm_trained(cfg, seed)
    return Report(results, _plots(results), _markdown(results))
