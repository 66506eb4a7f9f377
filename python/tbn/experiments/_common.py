"""What every experiment shares: run sizes, the run record (seed, versions, wall time), output files.

An experiment is a function ``run(seed, size) -> Report``; `reproduce` times it, stamps the record
with the seed and the library versions, and writes ``NAME.json``, the PNG plots and ``NAME.md``
into the output directory.  Plotting always uses matplotlib's Agg backend (no display needed).
"""
from __future__ import annotations

import datetime
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import TbnError

__all__ = ["SIZES", "Report", "versions", "to_jsonable", "reproduce", "new_figure", "progress"]

SIZES = ("tiny", "default", "full")
"""tiny: seconds (tests, CI); default: minutes on 2 cores; full: the paper-sized run."""


@dataclass
class Report:
    """What an experiment hands back: JSON-able results, figures by file stem, markdown body."""

    results: dict
    figures: dict = field(default_factory=dict)
    markdown: str = ""


_T0 = time.perf_counter()


def progress(message: str) -> None:
    """One line of progress on stderr (stdout is kept for ``--json``)."""
    print(f"[{time.perf_counter() - _T0:7.1f} s] {message}", file=sys.stderr, flush=True)


def versions() -> dict:
    """Versions of everything that can change a number: Python, numpy, mpmath, torch if loaded."""
    import mpmath

    from .. import __version__
    found = {"tbn": __version__, "python": platform.python_version(), "numpy": np.__version__,
             "mpmath": mpmath.__version__, "platform": platform.platform(),
             "cpu_count": os.cpu_count()}
    for name in ("torch", "matplotlib"):
        module = sys.modules.get(name)
        if module is not None:
            found[name] = module.__version__
    torch = sys.modules.get("torch")
    if torch is not None:
        found["torch_threads"] = torch.get_num_threads()
    return found


def to_jsonable(obj):
    """Numpy scalars and arrays, mpmath numbers, tuples and non-finite floats into plain JSON.

    Non-finite floats become the strings "inf", "-inf", "nan" (JSON has no literal for them);
    mpmath numbers become decimal strings so that 50-digit results keep their digits.
    """
    import mpmath
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, mpmath.mpf):
        return mpmath.nstr(obj, 20)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        if math.isfinite(value):
            return value
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return obj


def new_figure(ncols: int = 1, width: float = 5.0, height: float = 3.6):
    """A figure with ``ncols`` axes side by side, on the Agg backend."""
    try:
        import matplotlib
    except ImportError:
        raise TbnError("plots need matplotlib: pip install 'tbn[experiments]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False,
                             layout="constrained")
    return fig, list(axes[0])


def reproduce(name: str, run: Callable[[int, str], Report], seed: int, size: str,
              out: str | os.PathLike, train: bool = True) -> dict:
    """Run one experiment, write ``NAME.json``, ``NAME_*.png`` and ``NAME.md`` under ``out``.

    Returns the JSON record (also what ``tbn reproduce --json`` prints).
    """
    if size not in SIZES:
        raise TbnError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    out = Path(out)
    if out.exists() and not out.is_dir():  # mkdir would only say "File exists"
        raise TbnError(f"--out {str(out)!r} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TbnError(f"cannot create output directory {str(out)!r}: {exc.strerror}") from None
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    report = run(seed, size)
    wall = time.perf_counter() - t0
    files = []
    for stem, fig in report.figures.items():
        path = out / f"{name}_{stem}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        import matplotlib.pyplot as plt
        plt.close(fig)
        files.append(path.name)
    record = {"experiment": name, "seed": seed, "size": size, "started_utc": started,
              "wall_time_s": round(wall, 2), "versions": versions(),
              "command": f"tbn reproduce {name} --seed {seed}"
                         + ("" if size == "default" else f" --size {size}")
                         + ("" if train else " --no-train"),
              "results": to_jsonable(report.results), "plots": files}
    (out / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    header = (f"# `{record['command']}`\n\n"
              f"Seed {seed}, size {size}, wall time {wall:.1f} s, started {started}; "
              f"tbn {record['versions']['tbn']}, numpy {np.__version__}"
              + (f", torch {record['versions']['torch']}" if "torch" in record["versions"] else "")
              + f"; {record['versions']['cpu_count']} CPUs.\n\n")
    plots = "".join(f"\n![{f}]({f})\n" for f in files)
    (out / f"{name}.md").write_text(header + report.markdown.strip() + "\n" + plots)
    return record
