"""Reproductions and extensions of the paper's experiments (`tbn reproduce NAME`).

Each experiment is a module with ``run(seed, size, train=True) -> Report``; `reproduce` runs one by
name and writes its JSON record, PNG plots and markdown summary.  ``size`` is ``"tiny"`` (seconds,
for tests and CI), ``"default"`` (minutes on 2 cores) or ``"full"`` (the paper-sized run).
``train=False`` skips the parts that train torch models.
"""
from __future__ import annotations

import importlib
import os

from ..errors import TbnError
from ._common import SIZES, reproduce as _reproduce

__all__ = ["EXPERIMENTS", "SIZES", "reproduce"]

EXPERIMENTS = ("table1", "loopy", "windtunnel")


def reproduce(name: str, seed: int = 0, out: str | os.PathLike = "results", size: str = "default",
              train: bool = True) -> dict:
    """Run experiment ``name`` and write its outputs under ``out``; returns the JSON record."""
    if name not in EXPERIMENTS:
        raise TbnError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    if seed < 0:
        raise TbnError(f"--seed must be a nonnegative integer, got {seed}")
    module = importlib.import_module(f".{name}", __name__)
    return _reproduce(name, lambda s, z: module.run(s, z, train=train), seed, size, out, train)
