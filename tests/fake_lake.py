"""A stand-in for ``lake`` so the toolchain paths of the gate can be tested without Lean.

It is only a test double: it answers ``lake build --wfail``, ``lake env lean FILE`` (``#print
axioms`` lines) and ``lake env lean --run FILE`` (the gate's weight export) the way Lean 4 prints
them, driven by the JSON in the ``FAKE_LAKE`` environment variable:

``build_rc``, ``build_output``, ``build_sleep``: the build's exit code, output, duration;
``extra_axioms``: name -> list of extra axioms to report; ``unknown``: names to reject;
``export``: name -> matrix (rows of strings) to print.
"""
import json
import os
import stat
import sys
from pathlib import Path

SCRIPT = r'''#!{python}
import json, os, re, sys, time
cfg = json.loads(os.environ.get("FAKE_LAKE", "{{}}"))
args = sys.argv[1:]
log = os.environ.get("FAKE_LAKE_LOG")
if log:
    with open(log, "a") as f:
        f.write(" ".join(args) + "\n")
if args[:1] == ["build"]:
    time.sleep(cfg.get("build_sleep", 0))
    print(cfg.get("build_output", "Build completed successfully."))
    sys.exit(cfg.get("build_rc", 0))
if args[:2] == ["env", "lean"]:
    src = open(args[-1], encoding="utf-8").read()
    if "--run" in args:
        for name in re.findall(r'IO\.println \("([^"]+?)\\t"', src):
            if name in cfg.get("export", {{}}):
                print(name + "\t" + json.dumps(cfg["export"][name]))
        sys.exit(0)
    rc = 0
    for name in re.findall(r"^#print axioms (\S+)$", src, re.M):
        if name in cfg.get("unknown", []):
            print(f"{{args[-1]}}:3:15: error: unknown constant '{{name}}'")
            rc = 1
            continue
        axioms = ["propext", "Classical.choice", "Quot.sound"]
        axioms += cfg.get("extra_axioms", {{}}).get(name, [])
        print(f"'{{name}}' depends on axioms: [" + ",\n ".join(axioms) + "]")
    sys.exit(rc)
print("fake lake: unsupported " + " ".join(args), file=sys.stderr)
sys.exit(2)
'''


def install(bin_dir: Path) -> Path:
    """Write an executable ``lake`` into ``bin_dir`` and return its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / "lake"
    path.write_text(SCRIPT.format(python=sys.executable), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def use(monkeypatch, tmp_path: Path, **config) -> Path:
    """Put the fake lake first on PATH with ``config``; returns the log file of its calls."""
    bin_dir = tmp_path / "fakebin"
    install(bin_dir)
    log = tmp_path / "lake.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_LAKE", json.dumps(config))
    monkeypatch.setenv("FAKE_LAKE_LOG", str(log))
    return log

