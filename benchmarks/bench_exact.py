"""Exact inference, ours against pgmpy's VariableElimination, whole process against whole process.

Each side runs in a fresh Python subprocess that imports its library, reads the same ``.bif.gz``
file from the bnlearn repository (shipped in the pgmpy 1.1.0 wheel), computes the marginal of every
unobserved variable given the same evidence, and prints them as JSON.  pgmpy answers one
``VariableElimination.query([v], evidence)`` per variable: its ``joint=False`` query over all
variables at once tried to allocate 3 TiB on alarm.  The wall-clock time of the
whole subprocess is what is compared (imports and parsing included, as a user would see it), and the
two answers are checked against each other.

Usage::

    pip install pgmpy==1.1.0
    python benchmarks/bench_exact.py [--networks asia alarm ...] [--timeout 600] [--repeat 1]

Evidence: three variables, fixed by a forward sample with a seed derived from the network name, so
that the evidence has positive probability; both sides get the same evidence.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

DEFAULT_NETWORKS = ["asia", "cancer", "sachs", "child", "insurance", "alarm", "win95pts",
                    "hailfinder", "hepar2", "water", "andes", "pigs"]

OURS = r"""
import json, sys
from tbn.bif import read_bif
from tbn.exact import marginals
path, evidence = sys.argv[1], json.loads(sys.argv[2])
fg = read_bif(path)
result = marginals(fg, fg.evidence_by_name(evidence))
print(json.dumps({v.name: dict(zip(v.states, result[v.name])) for v in fg.variables
                  if v.name not in evidence}))
"""

PGMPY = r"""
import gzip, json, logging, sys, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
from pgmpy.inference import VariableElimination
from pgmpy.readwrite import BIFReader
path, evidence = sys.argv[1], json.loads(sys.argv[2])
model = BIFReader(string=gzip.open(path).read().decode()).get_model()
engine = VariableElimination(model)
free = [v for v in model.nodes() if v not in evidence]
result = {v: engine.query([v], evidence=evidence, show_progress=False) for v in free}
print(json.dumps({v: dict(zip(f.state_names[v], map(float, f.values))) for v, f in result.items()}))
"""


def bnlearn_path(network: str) -> str:
    import pgmpy
    path = os.path.join(os.path.dirname(pgmpy.__file__), "utils", "example_models",
                        f"{network}.bif.gz")
    if not os.path.exists(path):
        sys.exit(f"{path} missing: install pgmpy==1.1.0, the last wheel that ships the networks")
    return path


def evidence_for(path: str, network: str, k: int = 3) -> dict[str, str]:
    """Forward-sample the network and observe k variables at their sampled states."""
    from tbn.bif import read_bif
    fg = read_bif(path)
    rng = np.random.default_rng(sum(map(ord, network)))
    child_of = {f.variables[0]: f for f in fg.factors}
    sample: dict[str, int] = {}
    while len(sample) < len(fg.variables):
        for name, f in child_of.items():
            if name not in sample and all(p in sample for p in f.variables[1:]):
                column = f.table[(slice(None),) + tuple(sample[p] for p in f.variables[1:])]
                sample[name] = int(rng.choice(len(column), p=column / column.sum()))
    chosen = rng.choice(len(fg.variables), size=min(k, len(fg.variables) - 1), replace=False)
    return {fg.variables[i].name: fg.variables[i].states[sample[fg.variables[i].name]]
            for i in sorted(chosen)}


def run(script: str, path: str, evidence: dict, timeout: float) -> tuple[float, dict | None]:
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", script, path, json.dumps(evidence)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return float("inf"), None
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed",
              file=sys.stderr)
        return elapsed, None
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", nargs="+", default=DEFAULT_NETWORKS)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; the best counts")
    args = parser.parse_args()
    header = f"{'network':<11}{'vars':>6}{'tbn s':>9}{'pgmpy s':>10}{'ratio':>8}{'max |diff|':>12}"
    print(header)
    print("-" * len(header))
    for network in args.networks:
        path = bnlearn_path(network)
        evidence = evidence_for(path, network)
        ours = min((run(OURS, path, evidence, args.timeout) for _ in range(args.repeat)),
                   key=lambda r: r[0])
        theirs = min((run(PGMPY, path, evidence, args.timeout) for _ in range(args.repeat)),
                     key=lambda r: r[0])
        diff = "n/a"
        if ours[1] is not None and theirs[1] is not None:
            worst = max(abs(p - theirs[1][v][s]) for v in ours[1] for s, p in ours[1][v].items())
            diff = f"{worst:.1e}"
        n = len(ours[1]) + len(evidence) if ours[1] else "?"
        fmt = lambda t: "timeout" if t == float("inf") else f"{t:.2f}"  # noqa: E731
        ratio = theirs[0] / ours[0] if ours[0] < float("inf") else float("nan")
        ratio_s = (f">{args.timeout / ours[0]:.0f}x" if theirs[0] == float("inf")
                   else f"{ratio:.1f}x")
        print(f"{network:<11}{n!s:>6}{fmt(ours[0]):>9}{fmt(theirs[0]):>10}{ratio_s:>8}{diff:>12}",
              flush=True)


if __name__ == "__main__":
    main()
