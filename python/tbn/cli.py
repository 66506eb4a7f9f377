"""The `tbn` command line.  All argument parsing lives here; the work lives in the library.

Exit codes: 0 success; 1 a check or comparison FAILED; 2 bad input or usage (one line on stderr).
Machine-readable output (``--json``) goes to stdout only; messages and progress go to stderr.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from decimal import Decimal, InvalidOperation

# Before anything imports numpy: one BLAS/OpenMP thread unless the user chose otherwise.  tbn's
# numerical kernels are elementwise operations and reductions, not BLAS; a thread pool would
# only cost start-up (OpenBLAS's takes ~0.1 s of numpy's import on a 2-core machine).  Set for
# the command only: `import tbn` leaves a user's threading alone.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from .errors import ModelError, TbnError  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for SIGINT (128 + 2)

#: Above this many digits mpmath inference takes minutes (the transformer at 100000 digits ran
#: for more than 10 minutes on the 8-variable example) and no marginal needs them.
MAX_PRECISION = 10_000

_MODEL_SUFFIXES = (".toml", ".bif", ".bif.gz")


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr (exit 2), not the usage block."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _fatal(message: str) -> int:
    print(f"tbn: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _emit_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=2)
    sys.stdout.write("\n")


LOOPY_NOTE = ("tbn: note: the factor graph has cycles: loopy belief propagation is approximate "
              "and cannot detect contradictory factors (Z = 0); tbn infer --method exact gives "
              "exact marginals")


def _infer_evidence(fg, pairs: list[str]) -> dict[str, int]:
    """``["rain=yes", ...]`` -> ``{"rain": state index}``; every mistake reported at once."""
    from .errors import EvidenceError
    named, problems = {}, []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            problems.append(f"{pair!r} is not VAR=VALUE")
        elif named.get(name, value) != value:
            problems.append(f"{name} observed twice ({named[name]!r} and {value!r})")
        else:
            named[name] = value
    if problems:
        raise EvidenceError("bad evidence: " + "; ".join(problems))
    return fg.evidence_by_name(named)


def _model_after_evidence(args) -> None:
    """``tbn infer -e a=yes model.toml``: ``--evidence`` takes every word after it, MODEL too;
    give the last one back when it cannot be evidence (no '=') or names a model file."""
    if args.model is None and args.evidence and (
            "=" not in args.evidence[-1] or args.evidence[-1].endswith(_MODEL_SUFFIXES)):
        args.model = args.evidence.pop()
    if args.model is None:
        raise TbnError("missing MODEL, a .toml, .bif or .bif.gz file "
                       f"(see 'tbn {args.command} --help')")


class _DeferredInterrupt:
    """Ctrl-C during inference sets a flag; `check()` raises KeyboardInterrupt at a safe point.

    A KeyboardInterrupt raised inside numpy's C loops over mpmath objects (einsum's object
    matmul under --precision) is not unwound cleanly: it printed hundreds of lines of chained
    SystemErrors, exited 1, once segfaulted.  The engines call their progress callback in plain
    Python between such loops, and that callback checks the flag.  The first Ctrl-C restores
    the default action, so a second one ends the process at once.
    """

    def __init__(self):
        self.pending = False

    def _handler(self, signum, frame) -> None:
        self.pending = True
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    def check(self) -> None:
        if self.pending:
            raise KeyboardInterrupt

    def __enter__(self):
        self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        signal.signal(signal.SIGINT, self.previous)
        if exc_type is None:
            self.check()  # a Ctrl-C during the last step still interrupts


class _Progress:
    """The callback the engines call after each step: first acts on a deferred Ctrl-C
    (``interrupt.check()``), then, on terminals only (pipes and logs stay clean), shows a
    one-line progress display on stderr from `delay` seconds on, refreshed at most every
    `refresh` s, erased at the end.  ``describe(*state)`` turns what the engine reports into
    the line's text."""

    delay, refresh = 1.0, 0.2

    def __init__(self, describe, interrupt: _DeferredInterrupt):
        self.describe, self.interrupt, self.shown = describe, interrupt, False
        self.start = time.monotonic()
        self.last = -math.inf
        self.live = sys.stderr.isatty()

    def __call__(self, *state) -> None:
        self.interrupt.check()
        now = time.monotonic()
        if not self.live or now - self.start < self.delay or now - self.last < self.refresh:
            return
        self.last, self.shown = now, True
        sys.stderr.write(f"\rtbn infer: {self.describe(*state)}   ")
        sys.stderr.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _parse_tol(text: str, precision: int | None):
    """--tol as written: under --precision an mpf at that precision (1e-400 stays 1e-400 for
    mpmath BP), else a float64; a nonzero tol that float64 would round to 0 is refused rather
    than silently turned into "run every --max-iter round"."""
    try:
        exact = Decimal(text)
    except InvalidOperation:
        exact = None
    if exact is None or not exact.is_finite() or exact < 0:
        raise TbnError(f"--tol must be a finite number >= 0, got {text}")
    if precision:
        import mpmath
        with mpmath.workdps(precision):
            return mpmath.mpf(str(exact))
    if exact and float(exact) == 0:
        raise TbnError(f"--tol {text} is below float64's range (it would be 0); use --precision "
                       "to compute with it")
    return float(exact)


def _run_inference(args, fg, evidence, interrupt):
    """(marginals, converged, iterations, last change) of ``args.method``; the engines'
    progress callbacks are where a deferred Ctrl-C is raised."""
    if args.method == "exact":
        from .exact import marginals
        arithmetic = "mpmath" if args.precision else "float"
        with _Progress(lambda done, total: f"exact inference, cluster {done}/{total}",
                       interrupt) as progress:
            probs = marginals(fg, evidence, arithmetic=arithmetic, dps=args.precision or 50,
                              progress=progress)
        return probs, True, 0, 0.0

    def rounds(done, residual):
        return (f"{'BP' if args.method == 'bp' else 'transformer'} round {done}/{args.max_iter}, "
                f"largest change {float(residual):.2e} (stops below {args.tol_text})")

    with _Progress(rounds, interrupt) as progress:
        if args.method == "bp":
            from .bp import belief_propagation
            result = belief_propagation(fg, evidence, schedule="flooding", damping=args.damping,
                                        tol=args.tol, max_iter=args.max_iter,
                                        backend="mpmath" if args.precision else "numpy",
                                        dps=args.precision, progress=progress)
        else:
            try:
                from .transformer import transformer_marginals
            except ImportError as exc:
                raise TbnError(f"--method transformer is not available: {exc}") from None
            result = transformer_marginals(fg, evidence, max_iter=args.max_iter, tol=args.tol,
                                           dps=args.precision, progress=progress)
    return result.marginals, result.converged, result.iterations, result.max_residual


def _cmd_infer(args) -> int:
    """Marginals by exact inference, BP or the compiled transformer.

    Exact inference reports ``converged: true, iterations: 0`` (there is nothing to iterate).
    """
    from .kb import read_model

    if args.precision:  # only then: importing mpmath is ~10% of a float BP run on pigs
        import mpmath
    _model_after_evidence(args)
    if args.precision is not None and not 1 <= args.precision <= MAX_PRECISION:
        raise TbnError(f"--precision must be a positive number of digits, at most "
                       f"{MAX_PRECISION}, got {args.precision}")
    given = [flag for flag, value in (("--max-iter", args.max_iter), ("--tol", args.tol),
                                      ("--damping", args.damping)) if value is not None]
    # Under --precision D the default tolerance is 10^-D: stopping at 1e-10 would print D
    # digits of which only about 10 are those of the fixed point.
    args.tol_text = args.tol if args.tol is not None else \
        (f"1e-{args.precision}" if args.precision else "1e-10")
    args.tol = _parse_tol(args.tol_text, args.precision)
    args.max_iter = 1000 if args.max_iter is None else args.max_iter
    args.damping = 0.0 if args.damping is None else args.damping
    if args.max_iter < 1:
        raise TbnError(f"--max-iter must be at least 1, got {args.max_iter}")
    if not 0 <= args.damping < 1:
        raise TbnError(f"--damping must be in [0, 1), got {args.damping}")
    if args.method == "exact" and given:  # they would be ignored: say so, do not pretend
        rounds = [flag for flag in given if flag != "--damping"]
        parts = [f"{', '.join(rounds)} only {'applies' if len(rounds) == 1 else 'apply'} to "
                 "--method bp or transformer"] if rounds else []
        if "--damping" in given:  # the transformer runs undamped BP
            parts.append("--damping only applies to --method bp")
        raise TbnError("; ".join(parts) + " (exact inference has nothing to iterate)")
    if args.method == "transformer" and args.damping:
        raise TbnError("--damping is not supported by --method transformer (undamped BP)")
    fg = read_model(args.model)
    evidence = _infer_evidence(fg, args.evidence)
    try:
        with _DeferredInterrupt() as interrupt:
            probs, converged, iterations, residual = _run_inference(args, fg, evidence,
                                                                    interrupt)
    except ModelError as exc:  # Z = 0, too large: about the model, named like reading errors
        raise TbnError(f"{args.model}: {exc}") from None
    if args.method != "exact" and fg.has_cycle():  # loopy BP can be confidently wrong (Z = 0)
        print(LOOPY_NOTE, file=sys.stderr)
    if not converged and args.tol > 0:  # tol 0 asks for exactly --max-iter rounds
        # damping cures oscillation but slows convergence: heavy damping is itself the cause
        hint = ("a larger --max-iter, or --method bp --damping 0.5" if args.method != "bp" else
                "a larger --max-iter or a smaller --damping" if args.damping >= 0.5 else
                "--damping 0.5 or a larger --max-iter")
        print(f"tbn: warning: not converged after {iterations} rounds (last change "
              f"{float(residual):.3g} >= --tol {args.tol_text}); the marginals "
              f"are those of the last round (try {hint})", file=sys.stderr)

    def show(p):
        if args.precision:
            with mpmath.workdps(args.precision):
                return mpmath.nstr(mpmath.mpf(p), args.precision, strip_zeros=False)
        return float(p)

    table = {v.name: {s: show(p) for s, p in zip(v.states, probs[v.name])} for v in fg.variables}
    if args.json:
        _emit_json({"method": args.method, "marginals": table, "converged": bool(converged),
                    "iterations": int(iterations)})
    else:
        print(f"method {args.method}, converged {str(bool(converged)).lower()}, "
              f"iterations {iterations}")
        width = max(len(s) for v in fg.variables for s in v.states)
        for name, dist in table.items():
            observed = "  (observed)" if name in evidence else ""
            print(f"{name}{observed}")
            for state, p in dist.items():
                # 15 significant digits: float64 round-off (0.4000000000000001) is not shown;
                # --json keeps every bit
                print(f"  {state:<{width}}  {p if args.precision else format(p, '.15g')}")
    return EXIT_OK


def _cmd_compile(args) -> int:
    """Compile MODEL (with optional evidence) into weights.npz + weights.json (the layout).

    The architecture summary goes to stdout as JSON with --json, else one line to stderr.
    """
    from .kb import read_model
    from .transformer.export import layout, save_weights
    from .transformer.compiler import compile_factor_graph

    _model_after_evidence(args)
    # checked before compiling (which can take a while): an empty name was a traceback, and
    # `-o out/` silently wrote out.npz next to the directory instead of inside it
    if not args.output or args.output.endswith(("/", os.sep)) or os.path.isdir(args.output):
        raise TbnError(f"-o {args.output!r}: expected a file name such as weights.npz, "
                       "not a directory")
    if args.output.lower().endswith(".json"):  # wrote weights.json.npz + weights.json.json
        raise TbnError(f"-o {args.output}: the weights are an .npz file and their layout is "
                       "written beside it as .json; name the .npz, e.g. -o weights.npz")
    if not os.path.isdir(os.path.dirname(args.output) or "."):
        raise TbnError(f"-o {args.output}: directory {os.path.dirname(args.output)} does not "
                       "exist")
    fg = read_model(args.model)
    evidence = _infer_evidence(fg, args.evidence)
    try:  # the round blocks are built lazily, while saving
        compiled = compile_factor_graph(fg, evidence)
        npz, sidecar = save_weights(compiled, args.output)
        info = layout(compiled)
    except ModelError as exc:  # Z = 0, too many terms: named like reading errors
        raise TbnError(f"{args.model}: {exc}") from None
    if fg.has_cycle():  # the weights run loopy BP
        print(LOOPY_NOTE, file=sys.stderr)
    summary = {"weights": str(npz), "layout": str(sidecar), "width": info["width"],
               "message_dims": info["message_dims"], "heads_per_layer": 0,
               "round_blocks": len(info["blocks"]),
               "layers_per_round": [len(b) for b in info["blocks"]],
               "nonzero_parameters": sum(l["nonzeros"] for b in info["blocks"] for l in b)}
    if args.json:
        _emit_json(summary)
    else:
        print(f"tbn: wrote {npz} and {sidecar}: width {summary['width']}, "
              f"{summary['layers_per_round'][-1]} layers per round, no heads", file=sys.stderr)
    return EXIT_OK


def _cmd_check(args) -> int:
    """The gate.  The table goes to stdout (or the JSON object with --json); progress and
    messages go to stderr.  Exit 0 when nothing FAILED, 1 otherwise."""
    import os

    from .gate import GateOptions, find_root, run_gate
    from .lean.toolchain import LeanConfig

    if args.jobs is not None and args.jobs < 1:
        raise TbnError("--jobs must be at least 1")
    if args.seed < 0:  # as tbn reproduce: numpy's seeds are nonnegative
        raise TbnError(f"--seed must be a nonnegative integer, got {args.seed}")
    if args.check_timeout <= 0 or args.lean_timeout <= 0:
        raise TbnError("timeouts must be positive")
    if args.repo is not None and not os.path.isdir(args.repo):
        raise TbnError(f"{args.repo}: not a directory")
    root = find_root(args.repo)
    options = GateOptions(only=tuple(args.only or ()), jobs=args.jobs, seed=args.seed,
                          lean=not args.no_lean, dojo=args.dojo, rehash=args.rehash,
                          check_timeout=args.check_timeout,
                          lean_config=LeanConfig(build_timeout=args.lean_timeout,
                                                 run_timeout=args.lean_timeout))
    progress = None if args.quiet else _check_progress(sys.stderr)
    report = run_gate(root, options, progress)
    if progress is not None and sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    if args.json:
        _emit_json(report.to_json())
    else:
        print(report.format_table())
    if report.rehashed:
        print(f"tbn: rewrote statement_hash of {len(report.rehashed)} theorem(s) in "
              "proofs_manifest.toml", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


def _check_progress(stream):
    """A one-line bar when ``stream`` is a terminal, else one line per finished job."""
    tty = stream.isatty()

    def show(done: int, total: int, label: str, status: str) -> None:
        if status == "running":
            stream.write(f"\r\033[K{label} ..." if tty else f"tbn check: {label} ...\n")
        elif tty:
            filled = int(30 * done / total)
            stream.write(f"\r\033[K[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} "
                         f"{label[:40]}")
        else:
            stream.write(f"tbn check: [{done}/{total}] {label}"
                         + (" FAILED\n" if status == "FAILED" else "\n"))
        stream.flush()
    return show


def _cmd_reproduce(args) -> int:
    from .experiments import reproduce
    size = args.size or ("full" if args.full else "default")
    if args.full and size != "full":
        raise TbnError(f"--full contradicts --size {args.size}")
    record = reproduce(args.name, seed=args.seed, out=args.out, size=size, train=not args.no_train)
    if args.json:
        _emit_json(record)
    else:
        print(f"{args.name}: wrote {args.out}/{args.name}.json, {args.out}/{args.name}.md and "
              f"{len(record['plots'])} plot(s) in {record['wall_time_s']:.1f} s")
    return EXIT_OK


_EXAMPLES_TOP = """\
examples:
  tbn infer examples/dating.toml                       exact marginals of the paper's example
  tbn infer examples/dating.toml -e date=yes --json    ... given date = yes, as JSON
  tbn compile examples/dating.toml -o weights.npz      transformer weights that run BP
  tbn check                                            the gate: Lean proofs vs Python checks
  tbn reproduce loopy --size tiny                      an experiment of the paper, in seconds

Run 'tbn COMMAND --help' for the options of a command."""

_EXAMPLES_INFER = """\
examples:
  tbn infer examples/dating.toml
  tbn infer examples/dating.toml -e date=yes --precision 30 --json
  tbn infer alarm.bif.gz --method bp --damping 0.2 -e HYPOVOLEMIA=TRUE
  tbn infer examples/dating.toml --method transformer --max-iter 3 --tol 0

The bnlearn networks (alarm.bif.gz, ...) come with 'pip install pgmpy==1.1.0',
in the directory pgmpy/utils/example_models of its installation.

exit status: 0 success; 2 bad input (unreadable or malformed model, unknown
variable or value, evidence of probability zero, a model too large for exact
inference, bad options), with one line on stderr."""

_EXAMPLES_COMPILE = """\
examples:
  tbn compile examples/dating.toml -o weights.npz          weights.npz + weights.json
  tbn compile examples/dating.toml -o w.npz -e date=yes --json"""

_EXAMPLES_CHECK = """\
examples:
  tbn check                          the repository this command stands in
  tbn check --json > report.json     the same report as one JSON object
  tbn check --only log_odds.oplus_comm --only TBN.Weights.query0_b2
  tbn check --rehash                 after a reviewed change of a Lean statement

Each manifest row gets PASSED, FAILED or SKIPPED with a reason. Without a Lean
toolchain (lake) the build, the axiom audit and Lean's own weight export are
SKIPPED, never PASSED: install elan to run them.

exit status: 0 nothing FAILED; 1 something FAILED; 2 a usage error (e.g. an
unknown --only name) or a manifest or repository that could not be read; 130
interrupted (Ctrl-C)."""


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="tbn", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Lean 4 <-> Python bridge for 'sigmoid transformers are Bayesian networks':\n"
                    "exact inference, belief propagation, compiled transformers, and a gate\n"
                    "that checks the Lean proofs against the code.",
        epilog=_EXAMPLES_TOP,
    )
    parser.add_argument("--version", action="version", version=f"tbn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("infer", help="marginals of a .bif or .toml model",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       usage="tbn infer MODEL [-e VAR=VALUE ...] [--method exact|bp|transformer]"
                             "\n                 [--precision DIGITS] [--max-iter N] [--tol T] "
                             "[--damping D] [--json]",
                       description="Compute the marginal of every variable of MODEL (a BIF "
                                   "Bayesian network\nor a tbn TOML knowledge base), given the "
                                   "evidence.",
                       epilog=_EXAMPLES_INFER)
    # nargs="?": `tbn infer -e a=yes MODEL` lets --evidence swallow MODEL; it is given back
    p.add_argument("model", metavar="MODEL", nargs="?",
                   help="path to a .bif, .bif.gz or .toml model")
    p.add_argument("--evidence", "-e", nargs="+", action="extend", default=[],
                   metavar="VAR=VALUE",
                   help="observed values: -e rain=yes sprinkler=no, or -e rain=yes -e "
                        "sprinkler=no")
    p.add_argument("--method", choices=["exact", "bp", "transformer"], default="exact",
                   help="exact: variable elimination; bp: loopy sum-product; transformer: the "
                        "compiled transformer's forward passes (default: exact)")
    p.add_argument("--precision", type=int, metavar="DIGITS",
                   help="compute with mpmath at this many digits (1 to "
                        f"{MAX_PRECISION}) and print decimal strings")
    p.add_argument("--max-iter", type=int, metavar="N",
                   help="bp / transformer: round cap (default 1000)")
    p.add_argument("--tol", metavar="T",
                   help="bp / transformer: stop when no message entry changes by T or more "
                        "(default 1e-10; 10^-DIGITS with --precision; 0: run --max-iter rounds)")
    p.add_argument("--damping", type=float, metavar="D",
                   help="bp: damping in [0, 1), new = (1-D)*update + D*old (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=_cmd_infer)

    p = sub.add_parser("compile", help="compile a model into transformer weights",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       usage="tbn compile MODEL -o WEIGHTS.npz [-e VAR=VALUE ...] [--json]",
                       description="Compile MODEL into transformer weights whose forward passes "
                                   "are sum-product BP\nrounds; saves an .npz and a JSON layout "
                                   "sidecar.",
                       epilog=_EXAMPLES_COMPILE)
    p.add_argument("model", metavar="MODEL", nargs="?",
                   help="path to a .bif, .bif.gz or .toml model")
    p.add_argument("-o", "--output", required=True, metavar="WEIGHTS.npz",
                   help="where to write the weights (.npz added if missing); the layout goes "
                        "next to it as WEIGHTS.json")
    p.add_argument("--evidence", "-e", nargs="+", action="extend", default=[],
                   metavar="VAR=VALUE",
                   help="observed values, compiled into the weights as exact zeros")
    p.add_argument("--json", action="store_true",
                   help="print the architecture summary as one JSON object on stdout")
    p.set_defaults(func=_cmd_compile)

    p = sub.add_parser("check", help="check the Lean proofs against the Python code (the gate)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Check that the Lean sources, proofs_manifest.toml and the "
                                   "Python code agree.",
                       epilog=_EXAMPLES_CHECK)
    p.add_argument("repo", nargs="?", default=None,
                   help="repository root (default: the one this command stands in)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--rehash", action="store_true",
                   help="rewrite the statement_hash of every theorem (or of the --only ones) "
                        "in proofs_manifest.toml from the Lean sources (review the statements "
                        "first), then check")
    p.add_argument("--only", action="append", metavar="ID",
                   help="check only this manifest id or Lean name, with or without the "
                        "leading TBN. (e.g. Pearl.RTree.pearl_rooted); repeatable")
    p.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="worker processes for the Python checks (default: one per core)")
    p.add_argument("--seed", type=int, default=0, help="seed passed to every check (default 0)")
    p.add_argument("--no-lean", action="store_true",
                   help="do not run lake even if it is installed (Lean cells SKIPPED)")
    p.add_argument("--dojo", action="store_true",
                   help="also trace the project with LeanDojo (needs the [lean] extra)")
    p.add_argument("--check-timeout", type=float, default=300.0, metavar="S",
                   help="seconds allowed to each Python check (default 300)")
    p.add_argument("--lean-timeout", type=float, default=3600.0, metavar="S",
                   help="seconds allowed to each lake call (default 3600)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("reproduce", help="rerun an experiment of the paper and beyond",
                       description="Run an experiment; writes JSON results, PNG plots and a "
                                   "markdown summary under --out.")
    p.add_argument("name", metavar="NAME", choices=["table1", "loopy", "windtunnel"],
                   help="table1 (paper's Table 1 and multi-hop trees), loopy (Table 4 and the "
                        "hard regime) or windtunnel (bijection and HMM filtering)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the run (default 0)")
    p.add_argument("--out", default="results", metavar="DIR",
                   help="output directory for NAME.json, NAME.md and the plots (default results)")
    p.add_argument("--full", action="store_true", help="paper-sized run (slow); same as --size full")
    p.add_argument("--size", choices=["tiny", "default", "full"], default=None,
                   help="tiny: seconds (CI); default: minutes on 2 cores; full: paper-sized")
    p.add_argument("--no-train", action="store_true",
                   help="skip the parts that train torch models (no torch needed)")
    p.add_argument("--json", action="store_true", help="print the JSON record on stdout")
    p.set_defaults(func=_cmd_reproduce)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # point at the subcommand's help, where the valid options are
        prog = f"tbn {args.command}" if getattr(args, "command", None) else "tbn"
        parser.exit(EXIT_USAGE, f"{prog}: error: unrecognized arguments: {' '.join(extra)} "
                                f"(see '{prog} --help')\n")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except TbnError as exc:
        return _fatal(str(exc))
    except KeyboardInterrupt:
        print("tbn: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `tbn infer ... | head`: the reader left; exit quietly instead of a traceback at shutdown.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
