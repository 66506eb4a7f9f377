"""Loopy BP speed and accuracy: tbn's sum-product against pyAgrum's LoopyBeliefPropagation.

Whole process against whole process, each side as its user runs it, on the same uncompressed
BIF file and evidence: tbn is the ``tbn infer MODEL --method bp --tol TOL --damping D
--max-iter N --json --evidence VAR=VALUE ...`` command (the console script installed next to
this interpreter, so not a pyenv shim's own start-up; its JSON goes to a file and gives the
marginals, converged and iterations); pyAgrum is a fresh Python process running this file,
which imports pyagrum, reads the file, sets the evidence, runs LoopyBeliefPropagation and writes
every marginal to a JSON file.  The parent times each process from launch to exit (best of
``--repeat`` runs, the sides interleaved).  This file imports only json, os, sys and time at
the top, so pyAgrum's process pays for little beyond its own library; the parent's tools
(argparse, subprocess, ...) are imported in `main`.  tbn's split into reading and BP (the
"load+infer" columns and the BP-only ratio) is not in the command's output: it is timed inside
the parent, best of ``--repeat`` in-process runs at the same settings.  Before timing, the
parent byte-compiles the tbn modules the run imports (``compileall``, into the git-ignored
``__pycache__``), the state pip leaves an installed wheel in and the one numpy and pyAgrum are
in: under ``PYTHONDONTWRITEBYTECODE=1`` (set on the development machine) an editable install
would otherwise recompile every tbn module at every start, about 15-25 ms.

Stopping rules.  They are not the same quantity, so two pyAgrum runs are compared with one tbn
run at ``--tol`` (flooding, ``--damping``; tbn stops when the largest change of a normalised
factor-to-variable message entry, in probability, is below tol):

(a) "same number": pyAgrum's ``setEpsilon(tol)``.  aGrUM updates nodes one at a time in
    shuffled sweeps (Pearl's lambda/pi messages) and stops when a sweep's largest
    Kullback-Leibler divergence between a normalised message and its update, in bits
    (``Tensor.KL`` uses log2), is at most epsilon.  KL ~ sum(dp^2 / p) / (2 ln 2), so
    epsilon = 1e-8 lets message entries still move by about 1e-4: a looser rule.
(b) "matched": epsilon = 2 tol^2 / ln 2.  By Pinsker's inequality, max |dp| <= TV <=
    sqrt(KL_nats / 2) = sqrt(KL_bits ln 2 / 2), so a sweep with KL <= 2 tol^2 / ln 2 moved
    every message entry by at most tol: pyAgrum stops no earlier than "every change <= tol"
    (the bound is tight for two-state messages near 1/2; near-deterministic entries make KL,
    and so pyAgrum's rule, stricter).  For tol = 1e-8 this is 2.9e-16 bits, below the rounding
    floor of aGrUM's KL sums (3e-16 to 1e-15 bits here): on andes the sweeps' KL stagnates
    and pyAgrum stops by its rate rule after 86 sweeps, on munin2 it wanders at the floor
    until the 1000-sweep cap (46 s).  So epsilon is never set below `KL_FLOOR` = 1e-15 bits,
    the smallest value pyAgrum reaches on these networks; it still bounds every message
    change by sqrt(1e-15 ln 2 / 2) = 1.9e-8.  ``--matched-epsilon`` overrides the choice.

pyAgrum also gets ``setMinEpsilonRate(0)`` (its rate rule then stops it only when a sweep's
KL equals the previous sweep's exactly), and both sides the same iteration cap.  Accuracy: the parent computes a reference with tbn at
``--ref-tol`` (1e-14 by default, a converged loopy-BP fixed point; both libraries iterate
towards the same fixed points of the same equations) and reports every side's largest
marginal error against it.  pyAgrum's own floor is not zero: its BIF loader keeps
float32-rounded tables (tests/test_bif.py), about 1e-8 relative.

Evidence: one joint sample drawn by pyAgrum (``initRandom(seed)``), observed on a seeded random
``--evidence-fraction`` of the variables, so the evidence has positive probability.

Networks: the bnlearn files shipped in the pgmpy wheel (``pgmpy/utils/example_models``; pgmpy is
located, never imported).  The default is the three targets (pigs, munin2, andes) and the two
largest networks by variable count both libraries read and converge on without damping (link,
724 variables; munin, 1041), where start-up weighs less.  Needs ``pip install pyagrum pgmpy==1.1.0``.

Usage::

    python benchmarks/bench_bp.py [--networks pigs munin2 andes link munin] [--repeat 5] [--json]
"""
from __future__ import annotations

import json
import os
import sys
import time

NETWORKS = ("pigs", "munin2", "andes", "link", "munin")


def _ours(model: str, evidence: dict, tol: float, damping: float, max_iter: int) -> dict:
    """tbn in-process (the parent's reference, and the split of tbn's time into load and BP)."""
    t0 = time.perf_counter()
    from tbn.bif import read_bif
    from tbn.bp import belief_propagation

    t1 = time.perf_counter()
    fg = read_bif(model)
    t2 = time.perf_counter()
    r = belief_propagation(fg, fg.evidence_by_name(evidence), tol=tol, damping=damping,
                           max_iter=max_iter)
    marg = {v.name: dict(zip(v.states, r.marginals[v.name])) for v in fg.variables}
    t3 = time.perf_counter()
    return {"marginals": marg, "converged": r.converged, "iterations": r.iterations,
            "import": t1 - t0, "load": t2 - t1, "infer": t3 - t2}


def _agrum(model: str, evidence: dict, tol: float, damping: float, max_iter: int) -> dict:
    t0 = time.perf_counter()
    import pyagrum as gum

    t1 = time.perf_counter()
    bn = gum.loadBN(model)
    t2 = time.perf_counter()
    ie = gum.LoopyBeliefPropagation(bn)
    ie.setEpsilon(tol)
    ie.setMinEpsilonRate(0.0)
    ie.setMaxIter(max_iter)
    ie.setEvidence(evidence)
    ie.makeInference()
    marg = {}
    for node in bn.nodes():
        var = bn.variable(node)
        post = ie.posterior(node).toarray()
        marg[var.name()] = {var.label(k): float(post[k]) for k in range(var.domainSize())}
    t3 = time.perf_counter()
    stop = ie.messageApproximationScheme()
    return {"marginals": marg, "converged": "epsilon" in stop, "stop": stop,
            "iterations": ie.nbrIterations(), "import": t1 - t0, "load": t2 - t1,
            "infer": t3 - t2}


def _side_main(argv) -> None:
    model, evidence_file, out_file, tol, damping, max_iter = argv
    with open(evidence_file) as fh:
        evidence = json.load(fh)
    result = _agrum(model, evidence, float(tol), float(damping), int(max_iter))
    with open(out_file, "w") as fh:
        fh.write(json.dumps(result))  # one C-encoder call; json.dump streams in Python


def _network_file(name: str, workdir: str) -> str:
    import gzip
    import importlib.util
    import shutil

    spec = importlib.util.find_spec("pgmpy")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("bench_bp: needs the pgmpy wheel for the bnlearn networks: "
                 "pip install pgmpy==1.1.0")
    src = os.path.join(spec.submodule_search_locations[0], "utils", "example_models",
                       f"{name}.bif.gz")
    if not os.path.isfile(src):
        sys.exit(f"bench_bp: {src} missing: install pgmpy==1.1.0, the last wheel that ships the "
                 "bnlearn networks (or check the network name)")
    dst = os.path.join(workdir, f"{name}.bif")
    with gzip.open(src, "rb") as fin, open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    return dst


def _evidence(model: str, fraction: float, seed: int) -> dict:
    import random

    import pyagrum as gum

    bn = gum.loadBN(model)
    gum.initRandom(seed)
    gen = gum.BNDatabaseGenerator(bn)
    gen.drawSamples(1)
    row = gen.to_pandas().iloc[0]
    names = sorted(bn.names())
    chosen = random.Random(seed).sample(names, max(1, round(fraction * len(names))))
    return {name: str(row[name]) for name in sorted(chosen)}


def _byte_compile_tbn() -> None:
    import compileall
    import importlib.util

    root = importlib.util.find_spec("tbn").submodule_search_locations[0]
    for folder in (root, os.path.join(root, "bp")):
        compileall.compile_dir(folder, maxlevels=0, quiet=2)


def _reference(model: str, evidence: dict, tol: float, damping: float) -> dict:
    """tbn's loopy BP run far past the benchmark's tolerance, in the parent (not timed)."""
    res = _ours(model, evidence, tol, damping, 100_000)
    if not res["converged"]:
        sys.exit(f"bench_bp: the reference run did not reach tol {tol:g} on {model}")
    return res


def _tbn_command() -> str:
    """The `tbn` console script of this interpreter's environment."""
    import shutil

    here = os.path.join(os.path.dirname(sys.executable), "tbn")
    found = here if os.access(here, os.X_OK) else shutil.which("tbn")
    if found is None:
        sys.exit("bench_bp: no `tbn` command next to this Python or on PATH: pip install -e .")
    return found


def _run(side, tol, model, evidence_file, workdir, args) -> tuple[float, float, dict]:
    """One timed process: the `tbn infer` command, or pyAgrum in this file's --side mode."""
    out = os.path.join(workdir, f"{side}.json")
    if side == "tbn":
        with open(evidence_file) as fh:
            pairs = [f"{var}={value}" for var, value in json.load(fh).items()]
        cmd = [_tbn_command(), "infer", model, "--method", "bp", "--tol", repr(tol),
               "--damping", repr(args.damping), "--max-iter", str(args.max_iter), "--json",
               "--evidence", *pairs]
        with open(out, "w") as fh:
            wall, cpu = _timed(cmd, stdout=fh)
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--side", model, evidence_file, out,
               repr(tol), repr(args.damping), str(args.max_iter)]
        wall, cpu = _timed(cmd)
    with open(out) as fh:
        return wall, cpu, json.load(fh)


def _timed(cmd, stdout=None) -> tuple[float, float]:
    """Wall-clock seconds of a subprocess, and its CPU seconds (user + system, all threads)."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=stdout)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _max_diff(a: dict, b: dict) -> float:
    return max(abs(p - b[var][state]) for var, dist in a.items() for state, p in dist.items())


#: Smallest KL (bits) aGrUM's sweeps reliably get below (rounding floor of its KL sums).
KL_FLOOR = 1e-15


def matched_epsilon(tol: float) -> float:
    """pyAgrum's epsilon (KL in bits) whose stop implies every message change <= tol (Pinsker),
    but not below the floor it can reach."""
    import math

    return max(2 * tol * tol / math.log(2), KL_FLOOR)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--side":
        _side_main(sys.argv[2:])
        return
    import argparse
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--networks", nargs="+", default=list(NETWORKS))
    ap.add_argument("--repeat", type=int, default=5, help="runs per side; the best is kept")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--matched-epsilon", type=float, default=None,
                    help="pyAgrum's epsilon for (b); default max(2 tol^2 / ln 2, 1e-15)")
    ap.add_argument("--ref-tol", type=float, default=1e-14, help="tbn's tol for the reference")
    ap.add_argument("--damping", type=float, default=0.0, help="tbn's damping (default 0)")
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--evidence-fraction", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the rows as JSON on stdout")
    args = ap.parse_args()
    matched = matched_epsilon(args.tol) if args.matched_epsilon is None else args.matched_epsilon
    runs = {"tbn": ("tbn", args.tol), "same": ("pyagrum", args.tol),
            "matched": ("pyagrum", matched)}
    rows = []
    _byte_compile_tbn()
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.networks:
            model = _network_file(name, workdir)
            evidence = _evidence(model, args.evidence_fraction, args.seed)
            evidence_file = os.path.join(workdir, f"{name}.evidence.json")
            with open(evidence_file, "w") as fh:
                json.dump(evidence, fh)
            ref = _reference(model, evidence, args.ref_tol, args.damping)["marginals"]
            best, cpu = {}, {}
            parts = {"tbn": {}}
            for _ in range(args.repeat):
                for key, (side, tol) in runs.items():
                    wall, used, res = _run(side, tol, model, evidence_file, workdir, args)
                    if key not in best or wall < best[key][0]:
                        best[key] = (wall, res)
                        if key != "tbn":
                            parts[key] = {k: res[k] for k in ("import", "load", "infer")}
                    cpu[key] = min(cpu.get(key, used), used)
                inside = _ours(model, evidence, args.tol, args.damping, args.max_iter)
                for k in ("load", "infer"):  # tbn's split, in the parent (imports already done)
                    parts["tbn"][k] = min(parts["tbn"].get(k, inside[k]), inside[k])
            row = {"network": name, "observed": len(evidence)}
            for key, (wall, res) in best.items():
                row[key] = {"s": wall, "cpu_s": cpu[key], "parts_s": parts[key],
                            "iterations": res["iterations"], "converged": res["converged"],
                            "stop": res.get("stop", ""),
                            "error_vs_reference": _max_diff(res["marginals"], ref)}
            for key in ("same", "matched"):
                row[key]["ratio"] = row[key]["s"] / row["tbn"]["s"]
                row[key]["cpu_ratio"] = row[key]["cpu_s"] / row["tbn"]["cpu_s"]
                row[key]["infer_ratio"] = (row[key]["parts_s"]["infer"]
                                           / row["tbn"]["parts_s"]["infer"])
                row[key]["diff_vs_tbn"] = _max_diff(best["tbn"][1]["marginals"],
                                                    best[key][1]["marginals"])
            rows.append(row)
            print(f"done {name}", file=sys.stderr)
    floor = min(_timed([sys.executable, "-c", "import numpy"])[0] for _ in range(args.repeat))
    if args.json:
        json.dump({"tol": args.tol, "matched_epsilon": matched,
                   "ref_tol": args.ref_tol, "rows": rows, "python_numpy_import_s": floor},
                  sys.stdout, indent=2)
        print()
        return
    print(f"tbn tol={args.tol:g} (damping {args.damping:g}); pyAgrum epsilon (a) same number "
          f"{args.tol:g}, (b) matched {matched:.3g}; reference: tbn at "
          f"tol={args.ref_tol:g}; best of {args.repeat}, seconds, whole process "
          "(load+infer in brackets); cpu: best user+system seconds of the process")
    print(f"floor: a fresh `python -c 'import numpy'` takes {floor:.2f} s here; conv: tbn "
          "y/n, pyAgrum e (epsilon reached), r (KL stagnated, rate rule), n (iteration cap)")
    print(f"{'network':8} {'obs':>4} {'tbn s':>16} {'pyAgrum (a) s':>16} {'pyAgrum (b) s':>16} "
          f"{'ratio a/b':>11} {'cpu a/b':>11} {'infer a/b':>11} {'rounds/sweeps a/b':>17} "
          f"{'conv':>5} {'|tbn-a|':>8} {'err tbn':>8} {'err a':>8} {'err b':>8}")
    for r in rows:
        t, a, b = r["tbn"], r["same"], r["matched"]

        def cell(x):
            return f"{x['s']:5.2f} [{x['parts_s']['load']:.2f}+{x['parts_s']['infer']:.2f}]"

        conv = ("y" if t["converged"] else "n") + "".join(
            "e" if "epsilon" in x["stop"] else "r" if "rate" in x["stop"] else "n" for x in (a, b))
        print(f"{r['network']:8} {r['observed']:4d} {cell(t):>16} {cell(a):>16} {cell(b):>16} "
              f"{a['ratio']:5.2f}/{b['ratio']:<5.2f} {a['cpu_ratio']:5.2f}/{b['cpu_ratio']:<5.2f} "
              f"{a['infer_ratio']:5.1f}/{b['infer_ratio']:<5.1f} "
              f"{t['iterations']:5d}/{a['iterations']}/{b['iterations']:<5d} {conv:>5} "
              f"{a['diff_vs_tbn']:8.1e} {t['error_vs_reference']:8.1e} "
              f"{a['error_vs_reference']:8.1e} {b['error_vs_reference']:8.1e}")


if __name__ == "__main__":
    main()
