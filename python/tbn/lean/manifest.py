"""``proofs_manifest.toml``: the schema, a strict loader and the ``--rehash`` rewriter.

The manifest is the only place where the Lean side and the Python side meet (SPEC section 4), so
the loader refuses anything ambiguous: every problem of the file is reported at once, one line
each, in a single :class:`~tbn.errors.ManifestError`.  Importing the checks it names is a separate
step (:func:`resolve_callables`) because the gate does it in a worker process that imports the
repository's own Python code, not whichever ``tbn`` happens to be installed.
"""
from __future__ import annotations

import importlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Mapping

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from ..errors import ManifestError

__all__ = ["TheoremEntry", "WeightsEntry", "Manifest", "MANIFEST_NAME", "load_manifest",
           "resolve_callable", "resolve_callables", "rewrite_hashes"]

MANIFEST_NAME = "proofs_manifest.toml"
DEFAULT_PRECISION = 50
_HASH = re.compile(r"^(?:|sha256:[0-9a-f]{16})$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_LEAN_NAME = re.compile(r"^[^\W\d][\w'!?]*(?:\.[^\W\d][\w'!?]*)*$")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


@dataclass(frozen=True)
class TheoremEntry:
    """One ``[[theorem]]`` table: a public Lean theorem and the Python check that mirrors it."""

    id: str
    lean_name: str
    file: str
    statement_hash: str
    claim: str
    check: str
    precision: int
    instances: int


@dataclass(frozen=True)
class WeightsEntry:
    """One ``[[weights]]`` table: a concrete Lean weight definition and its Python constructor."""

    lean_name: str
    file: str
    python: str
    args: Mapping[str, object] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Weights entries are named by their Lean definition."""
        return self.lean_name


@dataclass(frozen=True)
class Manifest:
    """The parsed manifest; ``path`` is the file, ``root`` the repository it belongs to."""

    path: Path
    theorems: tuple[TheoremEntry, ...]
    weights: tuple[WeightsEntry, ...]

    @property
    def root(self) -> Path:
        return self.path.parent

    def lean_path(self, file: str) -> Path:
        """Absolute path of a manifest ``file`` (relative to ``lean/``)."""
        return self.root / "lean" / file


# key -> (types accepted, required)
_THEOREM_KEYS = {"id": (str, True), "lean_name": (str, True), "file": (str, True),
                 "statement_hash": (str, True), "claim": (str, True), "check": (str, True),
                 "precision": (int, False), "instances": (int, True)}
_WEIGHTS_KEYS = {"lean_name": (str, True), "file": (str, True), "python": (str, True),
                 "args": (dict, False)}


def load_manifest(path: Path | str) -> Manifest:
    """Load and validate a manifest.

    Parameters
    ----------
    path : the ``proofs_manifest.toml`` file.

    Returns
    -------
    Manifest

    Raises
    ------
    ManifestError
        The file is missing or is not TOML, or any entry is malformed: missing or unknown key,
        wrong type, duplicate ``id`` or ``lean_name``, a ``file`` outside ``lean/``, a malformed
        hash or dotted path.  All problems are listed, one per line.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such manifest") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None

    problems: list[str] = []
    for key in data:
        if key not in ("theorem", "weights"):
            problems.append(f"unknown top-level key `{key}` (expected [[theorem]] and "
                            "[[weights]] tables)")
    theorems = _entries(data, "theorem", problems)
    weights = _entries(data, "weights", problems)

    ids: dict[str, int] = {}
    names: dict[str, str] = {}
    parsed_theorems = []
    for k, table in theorems:
        ident = table.get("id")
        where = f"[[theorem]] #{k}" + (f" (id {ident!r})" if isinstance(ident, str) else "")
        if isinstance(ident, str):
            if ident in ids:
                problems.append(f"{where}: duplicate id (also [[theorem]] #{ids[ident]})")
            ids.setdefault(ident, k)
        if not _table_ok(table, _THEOREM_KEYS, where, problems):
            continue
        bad = len(problems)
        if not _ID.match(table["id"]):
            problems.append(f"{where}: id must be letters, digits, `_`, `.`, `-`")
        _check_common(table, where, names, "check", problems)
        if not _HASH.match(table["statement_hash"]):
            problems.append(f"{where}: statement_hash must be \"\" or \"sha256:\" followed by 16 "
                            f"lowercase hex digits, not {table['statement_hash']!r}")
        precision = table.get("precision", DEFAULT_PRECISION)
        if precision < 11:
            problems.append(f"{where}: precision must be at least 11 digits (the gate allows "
                            f"10 digits of slack), not {precision}")
        if table["instances"] < 1:
            problems.append(f"{where}: instances must be at least 1")
        if len(problems) == bad:
            parsed_theorems.append(TheoremEntry(
                id=table["id"], lean_name=table["lean_name"], file=table["file"],
                statement_hash=table["statement_hash"], claim=table["claim"],
                check=table["check"], precision=precision, instances=table["instances"]))

    parsed_weights = []
    for k, table in weights:
        where = f"[[weights]] #{k}" + (f" ({table['lean_name']})"
                                       if isinstance(table.get("lean_name"), str) else "")
        if not _table_ok(table, _WEIGHTS_KEYS, where, problems):
            continue
        bad = len(problems)
        _check_common(table, where, names, "python", problems)
        if any(not isinstance(key, str) or not key.isidentifier() for key in
               table.get("args", {})):
            problems.append(f"{where}: args keys must be Python identifiers")
        if len(problems) == bad:
            parsed_weights.append(WeightsEntry(table["lean_name"], table["file"],
                                               table["python"], dict(table.get("args", {}))))
    if problems:
        raise ManifestError(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return Manifest(path, tuple(parsed_theorems), tuple(parsed_weights))


def _entries(data, key, problems):
    raw = data.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        problems.append(f"`{key}` must be an array of tables: write [[{key}]]")
        return []
    return list(enumerate(raw, start=1))


def _table_ok(table, schema, where, problems) -> bool:
    ok = True
    for key in table:
        if key not in schema:
            problems.append(f"{where}: unknown key `{key}` (allowed: {', '.join(schema)})")
            ok = False
    for key, (typ, required) in schema.items():
        if key not in table:
            if required:
                problems.append(f"{where}: missing key `{key}`")
                ok = False
            continue
        value = table[key]
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            problems.append(f"{where}: `{key}` must be {_TYPE_NAMES[typ]}, not "
                            f"{type(value).__name__} {value!r}")
            ok = False
        elif typ is str and key != "statement_hash" and not value.strip():
            problems.append(f"{where}: `{key}` must not be empty")
            ok = False
    return ok


_TYPE_NAMES = {str: "a string", int: "an integer", dict: "a table"}


def _check_common(table, where, names, callable_key, problems) -> None:
    """Checks shared by both tables: lean_name, file, dotted callable path."""
    name = table["lean_name"]
    if not _LEAN_NAME.match(name):
        problems.append(f"{where}: lean_name {name!r} is not a qualified Lean name")
    elif name in names:
        problems.append(f"{where}: duplicate lean_name {name!r} (also {names[name]})")
    names.setdefault(name, where)
    file = table["file"]
    pure = PurePosixPath(file)
    if (not file.endswith(".lean") or pure.is_absolute() or ".." in pure.parts
            or "\\" in file or file.startswith("lean/")):
        problems.append(f"{where}: file {file!r} must be a .lean path relative to lean/ "
                        "(e.g. \"TBN/LogOdds.lean\")")
    if not _DOTTED.match(table[callable_key]):
        problems.append(f"{where}: {callable_key} {table[callable_key]!r} is not a dotted path "
                        "like \"tbn.checks.log_odds.oplus_comm\"")


def resolve_callable(dotted: str) -> Callable:
    """Import ``package.module.function`` and return the function.

    Raises
    ------
    ManifestError
        The module cannot be imported or has no such callable.
    """
    module_name, _, attr = dotted.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # an import error of any kind is the manifest's problem to report
        raise ManifestError(f"{dotted!r} cannot be imported: {type(exc).__name__}: {exc}") \
            from None
    obj = getattr(module, attr, None)
    if not callable(obj):
        raise ManifestError(f"{dotted!r}: module {module_name!r} has no callable {attr!r}")
    return obj


def resolve_callables(manifest: Manifest) -> dict[str, Callable]:
    """Import every check and weights constructor the manifest names.

    Raises
    ------
    ManifestError
        Listing every entry whose callable cannot be imported.
    """
    found, problems = {}, []
    for what, entries, key in (("theorem", manifest.theorems, "check"),
                               ("weights", manifest.weights, "python")):
        for entry in entries:
            dotted = getattr(entry, key)
            try:
                found[dotted] = resolve_callable(dotted)
            except ManifestError as exc:
                problems.append(f"[[{what}]] {entry.id}: {key} {exc}")
    if problems:
        raise ManifestError(f"{manifest.path}: {len(problems)} problem(s):\n  "
                            + "\n  ".join(problems))
    return found


_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z_]+)\s*\]\]?\s*(?:#.*)?$")
_STRING_KEY = re.compile(r'^(?P<indent>\s*)(?P<key>id|statement_hash)\s*=\s*"(?P<value>[^"\\]*)"'
                         r'(?P<rest>\s*(?:#.*)?)$')


def rewrite_hashes(manifest: Manifest, new_hashes: Mapping[str, str]) -> list[str]:
    """Rewrite ``statement_hash`` of the theorems named in ``new_hashes`` (id -> hash), in place.

    Only the ``statement_hash = "..."`` lines change; comments, order and formatting stay.  The
    result is parsed again before it replaces the file, so a rewrite can never leave a manifest
    that says something else than intended.

    Returns
    -------
    list of str
        The ids whose hash changed.

    Raises
    ------
    ManifestError
        A ``[[theorem]]`` table whose ``id`` or ``statement_hash`` is not a plain one-line string.
    """
    lines = manifest.path.read_text(encoding="utf-8").splitlines(keepends=True)
    changed: list[str] = []
    table, current_id, hash_line = None, None, None

    def flush():
        if table != "theorem" or current_id not in new_hashes:
            return
        if hash_line is None:
            raise ManifestError(f"{manifest.path}: cannot rewrite the hash of {current_id!r}: "
                                "write it as statement_hash = \"...\" on one line")
        m = _STRING_KEY.match(lines[hash_line].rstrip("\r\n"))
        new = new_hashes[current_id]
        if m.group("value") != new:
            ending = lines[hash_line][len(lines[hash_line].rstrip("\r\n")):]
            lines[hash_line] = f'{m.group("indent")}statement_hash = "{new}"{m.group("rest")}' \
                               + ending
            changed.append(current_id)

    for k, line in enumerate(lines):
        header = _TABLE_HEADER.match(line)
        if header:
            flush()
            table, current_id, hash_line = header.group(1), None, None
            continue
        m = _STRING_KEY.match(line.rstrip("\r\n"))
        if m and m.group("key") == "id":
            current_id = m.group("value")
        elif m:
            hash_line = k
    flush()
    if not changed:
        return changed
    text = "".join(lines)
    reread = {t["id"]: t.get("statement_hash") for t in tomllib.loads(text).get("theorem", [])}
    for key, value in new_hashes.items():
        if key in reread and reread[key] != value:
            raise ManifestError(f"{manifest.path}: rewriting the hash of {key!r} failed; "
                                "the file was left unchanged")
    fd, tmp = tempfile.mkstemp(prefix=".proofs_manifest.", dir=manifest.path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    os.chmod(tmp, manifest.path.stat().st_mode & 0o777)
    os.replace(tmp, manifest.path)
    return changed
