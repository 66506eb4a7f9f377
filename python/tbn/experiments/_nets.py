"""Small torch models and one training loop for the trained-model parts of the experiments.

torch is an optional dependency (``pip install 'tbn[experiments]'``), imported only here and only
when a trained part runs.  The encoder is the paper's Table 1 architecture (Coppola, section 6.7):
a linear input map, pre-norm ``torch.nn.TransformerEncoderLayer`` blocks without dropout, and a
per-token readout ``d -> d -> out``; only the FFN activation varies (ReLU as in the paper, or
sigmoid as the title claims).
"""
from __future__ import annotations

import numpy as np

from ..errors import TbnError

__all__ = ["require_torch", "Encoder", "TokenMLP", "count_parameters", "fit", "predict"]


def require_torch():
    """Import torch or explain how to get it (a CPU wheel, pinned in the `experiments` extra).

    Runs torch on one thread: these models are small, and on a shared 2-core machine a second
    thread costs more in synchronisation than it gains (measured: 2x slower under load).
    """
    try:
        import torch
    except ImportError:
        raise TbnError("this experiment trains models and needs torch: "
                       "pip install 'tbn[experiments]'  (pins torch==2.13.0, CPU)") from None
    torch.set_num_threads(1)
    return torch


def _modules():
    torch = require_torch()
    nn = torch.nn

    class Encoder(nn.Module):
        """Pre-norm transformer encoder with a per-token readout; optional causal mask."""

        def __init__(self, in_dim, out_dim, d_model=32, heads=2, layers=2, ffn=128,
                     activation="relu", causal=False, vocab=None, max_len=None):
            super().__init__()
            act = {"relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
            self.embed = (nn.Embedding(vocab, d_model) if vocab else nn.Linear(in_dim, d_model))
            self.pos = nn.Parameter(torch.zeros(max_len, d_model)) if max_len else None
            self.blocks = nn.ModuleList(
                nn.TransformerEncoderLayer(d_model, heads, ffn, dropout=0.0, activation=act,
                                           batch_first=True, norm_first=True)
                for _ in range(layers))
            self.readout = nn.Sequential(nn.Linear(d_model, d_model), nn.ReLU(),
                                         nn.Linear(d_model, out_dim))
            self.causal = causal

        def forward(self, x, return_attention=False):
            h = self.embed(x)
            if self.pos is not None:
                h = h + self.pos[: h.shape[1]]
            mask = None
            if self.causal:
                n = h.shape[1]
                mask = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
            attention = []
            for block in self.blocks:  # the pre-norm layer, unrolled to expose its attention
                z = block.norm1(h)
                a, w = block.self_attn(z, z, z, attn_mask=mask, need_weights=return_attention,
                                       average_attn_weights=False)
                h = h + a
                h = h + block._ff_block(block.norm2(h))
                if return_attention:
                    attention.append(w)
            out = self.readout(h)
            return (out, attention) if return_attention else out

    class TokenMLP(nn.Module):
        """Per-token MLP: sees one token (and its position), never the context."""

        def __init__(self, in_dim, out_dim, hidden=64, depth=2, vocab=None, max_len=None):
            super().__init__()
            self.embed = nn.Embedding(vocab, hidden) if vocab else nn.Linear(in_dim, hidden)
            self.pos = nn.Parameter(torch.zeros(max_len, hidden)) if max_len else None
            body = []
            for _ in range(depth):
                body += [nn.ReLU(), nn.Linear(hidden, hidden)]
            self.body = nn.Sequential(*body, nn.ReLU(), nn.Linear(hidden, out_dim))

        def forward(self, x):
            h = self.embed(x)
            if self.pos is not None:
                h = h + self.pos[: h.shape[1]]
            return self.body(h)

    return Encoder, TokenMLP


def Encoder(*args, **kwargs):
    """Build the encoder (see module docstring); arguments as the inner class."""
    return _modules()[0](*args, **kwargs)


def TokenMLP(*args, **kwargs):
    """Build the per-token MLP baseline."""
    return _modules()[1](*args, **kwargs)


def count_parameters(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def fit(model, inputs, targets, mask, *, loss: str, epochs: int, batch: int = 256,
        lr: float = 1e-3, seed: int = 0, val=None, plateau: bool = True) -> list[float]:
    """Adam on masked token positions; returns the training loss of each epoch.

    ``loss="mse"`` compares ``sigmoid(output)`` with probability targets (the paper's Table 1);
    ``loss="ce"`` is cross-entropy of the logits against integer class targets (sampled outcomes,
    whose Bayes-optimal prediction is the exact posterior).  ``mask`` marks the scored positions.
    With ``plateau`` and ``val = (inputs, targets, mask)`` the learning rate halves when the
    validation loss stalls for 5 epochs (floor 1e-5), as in the paper.
    """
    torch = require_torch()
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x, y, m = (torch.as_tensor(np.asarray(a)) for a in (inputs, targets, mask))
    m = m.bool()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = (torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=5, factor=0.5, min_lr=1e-5)
             if plateau and val is not None else None)
    history = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total, count = 0.0, 0
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            value = _loss(model(x[idx]), y[idx], m[idx], loss, torch)
            opt.zero_grad()
            value.backward()
            opt.step()
            total += float(value.detach()) * len(idx)
            count += len(idx)
        history.append(total / count)
        if sched is not None:
            vx, vy, vm = (torch.as_tensor(np.asarray(a)) for a in val)
            with torch.no_grad():
                sched.step(float(_loss(model(vx), vy, vm.bool(), loss, torch)))
    return history


def _loss(out, y, m, kind, torch):
    if kind == "mse":
        return torch.mean((torch.sigmoid(out[..., 0])[m] - y.float()[m]) ** 2)
    return torch.nn.functional.cross_entropy(out[m], y.long()[m])


def predict(model, inputs, kind: str) -> np.ndarray:
    """Model beliefs as float64: sigmoid of output 0 (``"prob"``) or softmax (``"dist"``)."""
    torch = require_torch()
    model.eval()
    with torch.no_grad():
        out = model(torch.as_tensor(np.asarray(inputs)))
        out = torch.sigmoid(out[..., 0]) if kind == "prob" else torch.softmax(out.double(), -1)
    return out.double().numpy()
