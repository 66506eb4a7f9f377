"""Save compiled weights: an ``.npz`` of sparse arrays and a JSON sidecar describing the layout.

Array names in the ``.npz``: ``block{b}_layer{l}_{part}`` with ``part`` in ``w1_rows``,
``w1_cols``, ``w1_vals``, ``b1``, ``w2_rows``, ``w2_cols``, ``w2_vals``, ``b2`` (float64; COO,
repeated coordinates add).  Round t runs block ``min(t, blocks) - 1``.  The sidecar (same path
with ``.json``) says which stream dim holds which message entry and how to decode beliefs.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import TbnError
from .compiler import CompiledBP

__all__ = ["layout", "save_weights", "FORMAT"]

FORMAT = "tbn-compiled-bp/1"


def layout(compiled: CompiledBP) -> dict:
    """The JSON-ready description of a compiled model (everything but the weight values)."""
    fg = compiled.fg
    blocks = compiled.round_blocks()
    return {
        "format": FORMAT,
        "semantics": "one token; input all zeros; round t (t >= 1) applies the layers of block "
                     "min(t, len(blocks)) - 1; each layer is x + W2 act(W1 x + b1) + b2 with no "
                     "attention heads; after any round, the message dims hold log-domain "
                     "factor-to-variable messages and the scratch dims are zero",
        "decode": "belief of v: proportional to exp(sum of its messages' dims) on the states in "
                  "support (evidence and every message support); zero elsewhere",
        "width": compiled.width,
        "message_dims": compiled.message_dims,
        "variables": [{"name": v.name, "states": list(v.states)} for v in fg.variables],
        "evidence": dict(compiled.evidence),
        "messages": [{"factor": fg.factors[k].label, "factor_index": k,
                      "variable": fg.factors[k].variables[p],
                      "first_dim": compiled.offset[(k, p)],
                      "support_by_block": [sorted(compiled.support(t)[(k, p)])
                                           for t in range(1, len(blocks) + 1)]}
                     for k, p in compiled.slots],
        "blocks": [[{"activation": layer.activation, "hidden": layer.hidden,
                     "nonzeros": layer.nonzeros} for layer in block] for block in blocks],
        "summary_one_round": compiled.summary(1),
    }


def save_weights(compiled: CompiledBP, path: str | Path) -> tuple[Path, Path]:
    """Write ``path`` (.npz) and its ``.json`` sidecar; return both paths.

    Raises
    ------
    TbnError
        The file cannot be written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = {}
    for b, block in enumerate(compiled.round_blocks()):
        for l, layer in enumerate(block):
            key = f"block{b}_layer{l}_"
            for part, coo in (("w1", layer.w1), ("w2", layer.w2)):
                arrays[key + part + "_rows"] = coo[0]
                arrays[key + part + "_cols"] = coo[1]
                arrays[key + part + "_vals"] = np.asarray(coo[2], dtype=float)
            arrays[key + "b1"] = np.asarray(layer.b1, dtype=float)
            arrays[key + "b2"] = np.asarray(layer.b2, dtype=float)
    sidecar = path.with_suffix(".json")
    try:
        np.savez_compressed(path, **arrays)
        sidecar.write_text(json.dumps(layout(compiled), indent=2) + "\n")
    except OSError as exc:
        raise TbnError(f"cannot write {exc.filename or path}: {exc.strerror}") from None
    return path, sidecar
