"""Read Lean 4 sources without Lean: declarations, statements, docstrings and forbidden tokens.

The gate must work on a machine without a Lean toolchain, so it reads the sources itself.  This
is a careful lexer, not an elaborator: it removes comments (nested ``/- -/``, doc comments, line
comments) and string literals, tracks ``namespace``/``section``/``end`` for fully qualified names,
and cuts each declaration's statement at its top-level ``:=`` (or ``where``, or a pattern-matching
``|``).  What it cannot know (notation, macros) it does not pretend to: the Lean build is the final
word where a toolchain exists.

Statement hash (docs/ARCHITECTURE.md section 4): ``sha256:`` and the first 16 hex digits of the
SHA-256 of the normalised statement, the text after the declaration name up to the top-level
``:=``, with comments removed (deleted, newlines inside them included) and every run of
whitespace collapsed to one space, stripped.
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError

__all__ = ["Declaration", "ForbiddenToken", "LeanFile", "FORBIDDEN_TOKENS", "read_lean_file",
           "parse_lean_source", "normalise_statement", "statement_hash"]

#: Tokens that must not occur in code (outside comments and strings), SPEC section 6.
FORBIDDEN_TOKENS = ("sorry", "admit", "axiom", "native_decide", "unsafe", "implemented_by",
                    "Float")

_IDENT_CHARS = r"\w'!?\u2080-\u209c"
_FORBIDDEN = re.compile(r"(?<![\w'])(?:%s)(?![\w'])" % "|".join(FORBIDDEN_TOKENS))
_LEXEME = re.compile(r'--|/-|"|\'')
_CHAR_LITERAL = re.compile(r"'(?:\\.|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|[^'\\\n])'")
_KINDS = ("theorem", "lemma", "def", "abbrev", "structure", "class", "inductive", "instance",
          "opaque", "axiom", "example")
_DECL = re.compile(
    r"^[ \t]*(?P<attrs>(?:@\[[^\]]*\]\s*)*)"
    r"(?P<mods>(?:(?:private|protected|noncomputable|partial|nonrec|unsafe|scoped|local)\s+)*)"
    r"(?P<kind>%s)(?![%s.])" % ("|".join(_KINDS), _IDENT_CHARS), re.M)
_NAME = re.compile(r"\s*(?P<name>(?:«[^»]*»|[^\W\d][%s]*)(?:\.(?:«[^»]*»|[^\W\d][%s]*))*)"
                   % (_IDENT_CHARS, _IDENT_CHARS))
_PRIORITY = re.compile(r"\s*\(\s*priority\s*:=[^)]*\)")
_SCOPE = re.compile(r"^[ \t]*(?P<cmd>namespace|noncomputable[ \t]+section|section|end|mutual)"
                    r"(?![%s.])[ \t]*(?P<arg>[^\s]*)" % _IDENT_CHARS, re.M)
# Commands that end the previous declaration (at the start of a line, unindented).
_BOUNDARY = re.compile(r"^(?:namespace|section|noncomputable[ \t]+section|end|mutual|open|"
                       r"variable|universe|set_option|attribute|import|#[a-z_]+)(?![%s.])"
                       % _IDENT_CHARS, re.M)
_IMPORT = re.compile(r"^import[ \t]+(?P<module>[^\s]+)", re.M)
_WHERE = re.compile(r"where(?![%s.])" % _IDENT_CHARS)
_IDENT_END = re.compile(r"[%s.]" % _IDENT_CHARS)
_MATCH = re.compile(r"(?:match|fun)(?![%s.])" % _IDENT_CHARS)
_OPEN = "([{⟨⦃"
_CLOSE = ")]}⟩⦄"


@dataclass(frozen=True)
class Declaration:
    """One declaration of a Lean file.

    ``name`` is fully qualified (namespaces applied, ``_root_`` resolved) or None for anonymous
    declarations (``example``, unnamed ``instance``).  ``statement`` is normalised (see the module
    docstring); ``body`` is the text after the top-level ``:=`` with comments removed, up to the
    next command.
    """

    kind: str
    name: str | None
    path: str
    line: int
    end_line: int
    private: bool
    docstring: str | None
    statement: str
    body: str

    @property
    def statement_hash(self) -> str:
        """The manifest hash of this declaration's statement."""
        return statement_hash(self.statement)

    @property
    def public_theorem(self) -> bool:
        """A named, non-private ``theorem`` or ``lemma``: must be listed in the manifest."""
        return self.kind in ("theorem", "lemma") and self.name is not None and not self.private


@dataclass(frozen=True)
class ForbiddenToken:
    """A forbidden token found in code (not in a comment or a string)."""

    path: str
    line: int
    token: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: `{self.token}` in: {self.text}"


@dataclass(frozen=True)
class LeanFile:
    """What the gate needs from one Lean file."""

    path: str
    imports: tuple[str, ...]
    declarations: tuple[Declaration, ...]
    forbidden: tuple[ForbiddenToken, ...]

    def find(self, name: str) -> Declaration | None:
        """The declaration with this fully qualified name, or None."""
        for decl in self.declarations:
            if decl.name == name:
                return decl
        return None


def normalise_statement(text: str) -> str:
    """Collapse every run of whitespace to one space and strip (comments already removed)."""
    return " ".join(text.split())


def statement_hash(statement: str) -> str:
    """``sha256:`` + first 16 hex digits of the SHA-256 of the normalised statement (UTF-8)."""
    digest = hashlib.sha256(normalise_statement(statement).encode("utf-8")).hexdigest()
    return "sha256:" + digest[:16]


def read_lean_file(path: Path | str, display: str | None = None) -> LeanFile:
    """Read and parse one Lean file.

    Parameters
    ----------
    path : path of the file.
    display : how the file is named in messages (default: ``path`` as given).

    Raises
    ------
    ParseError
        The file cannot be read, or has an unterminated comment or string, or an ``end``
        that does not match the open scope.
    """
    shown = display if display is not None else str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"cannot read Lean file: {exc}", shown) from None
    return parse_lean_source(text, shown)


class _Lines:
    """Offset -> 1-based line number."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


_CUT = "\x00"  # marks comment characters in the statement text, removed after slicing


def _blank(chars: list[str], start: int, end: int) -> None:
    for k in range(start, end):
        if chars[k] != "\n":
            chars[k] = " "


def _cut(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = _CUT * (end - start)


def _mask(text: str, path: str, line_of: _Lines):
    """Blank comments (both outputs) and strings (second output); collect doc comments.

    Returns ``(no_comments, code, docs)`` where both strings have the length of ``text``
    (comment characters in ``no_comments`` are ``_CUT``, to be deleted after slicing) and
    ``docs`` maps the end offset of every ``/-- ... -/`` to its inner text.
    """
    no_comments, code = list(text), list(text)
    docs: dict[int, str] = {}
    n, i = len(text), 0
    while True:
        m = _LEXEME.search(text, i)
        if m is None:
            break
        i, tok = m.start(), m.group()
        if tok == "--":
            j = text.find("\n", i)
            j = n if j < 0 else j
            _cut(no_comments, i, j)
            _blank(code, i, j)
        elif tok == "/-":
            depth, j = 1, i + 2
            while depth and j < n:
                if text.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            if depth:
                raise ParseError("unterminated comment `/-`", path, line_of(i))
            if text.startswith("/--", i) and j - i > 4:
                docs[j] = text[i + 3:j - 2].strip()
            _cut(no_comments, i, j)
            _blank(code, i, j)
        elif tok == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise ParseError("unterminated string literal", path, line_of(i))
            j += 1
            _blank(code, i, j)
        else:  # a quote: a char literal only where an identifier cannot end before it
            cm = _CHAR_LITERAL.match(text, i)
            prev = text[i - 1] if i else " "
            if cm and not (prev.isalnum() or prev in "_'!?."):
                j = cm.end()
                _blank(code, i, j)
            else:
                j = i + 1
        i = j
    return "".join(no_comments), "".join(code), docs


def _ends_statement_bar(code: str, k: int, kind: str) -> bool:
    """Whether the top-level ``|`` at offset k starts a constructor or a match alternative.

    In an ``inductive`` every top-level ``|`` starts a constructor.  Elsewhere ``|`` is also the
    absolute value, so it ends the statement only when ``=>`` follows before the next ``|`` on its
    line (a pattern-matching alternative).
    """
    if (k > 0 and code[k - 1] in "<|") or code[k + 1:k + 2] in ("|", ">"):
        return False
    if kind in ("inductive", "structure", "class"):
        return True
    line_end = code.find("\n", k)
    rest = code[k + 1:line_end if line_end >= 0 else len(code)]
    arrow, bar = rest.find("=>"), rest.find("|")
    return arrow >= 0 and (bar < 0 or arrow < bar)


def _cut_statement(code: str, start: int, stop: int, kind: str) -> tuple[int, int | None]:
    """Scan code[start:stop] for the end of the statement at bracket depth 0.

    Returns ``(end, body_start)``: the statement is ``[start, end)``; the body begins at
    ``body_start`` (after ``:=``), or None when the declaration has no ``:=`` body.
    """
    depth, k, in_match = 0, start, False
    while k < stop:
        ch = code[k]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0:
            word_start = not _IDENT_END.match(code[k - 1:k] or " ")
            if code.startswith(":=", k):
                return k, k + 2
            if ch == "|" and not in_match and _ends_statement_bar(code, k, kind):
                return k, None
            if word_start and _WHERE.match(code, k):
                return k, None
            if word_start and _MATCH.match(code, k):   # its alternatives belong to the statement
                in_match = True
        k += 1
    return stop, None


def parse_lean_source(text: str, path: str = "<string>") -> LeanFile:
    """Parse Lean source text (see :func:`read_lean_file`)."""
    line_of = _Lines(text)
    no_comments, code, docs = _mask(text, path, line_of)

    events = [(m.start(), "decl", m) for m in _DECL.finditer(code)]
    events += [(m.start(), "scope", m) for m in _SCOPE.finditer(code)]
    events.sort(key=lambda e: e[0])
    boundaries = sorted({m.start() for m in _BOUNDARY.finditer(code)} |
                        {e[0] for e in events} | {len(code)})
    doc_ends = sorted(docs)

    stack: list[tuple[str, list[str]]] = []   # (kind, name components)
    decls: list[Declaration] = []
    for pos, what, m in events:
        if what == "scope":
            _apply_scope(stack, m, path, line_of(pos))
            continue
        kind = m.group("kind")
        after = m.end()
        if kind == "instance":
            pm = _PRIORITY.match(code, after)
            after = pm.end() if pm else after
        name = None
        nm = _NAME.match(code, after)
        if kind != "example" and nm and nm.group("name") != "where":
            name, after = nm.group("name"), nm.end()
        nxt = boundaries[bisect.bisect_right(boundaries, pos)]
        end, body_start = _cut_statement(code, after, nxt, kind)
        statement = normalise_statement(no_comments[after:end].replace(_CUT, ""))
        body = no_comments[body_start:nxt].replace(_CUT, "") if body_start is not None else ""
        first = pos + len(m.group()) - len(m.group().lstrip())
        doc = None
        k = bisect.bisect_right(doc_ends, first) - 1
        if k >= 0 and not code[doc_ends[k]:first].strip():
            doc = docs[doc_ends[k]]
        decls.append(Declaration(
            kind=kind, name=_qualify(stack, name), path=path, line=line_of(m.start("kind")),
            end_line=line_of(max(nxt - 1, m.start("kind"))),
            private="private" in m.group("mods").split(), docstring=doc, statement=statement,
            body=body))
    # Lean closes scopes still open at the end of a file, so an open namespace is no error.

    forbidden = []
    for fm in _FORBIDDEN.finditer(code):
        ln = line_of(fm.start())
        src_line = text[line_of.starts[ln - 1]:].split("\n", 1)[0].strip()
        forbidden.append(ForbiddenToken(path, ln, fm.group(), src_line))
    imports = tuple(im.group("module") for im in _IMPORT.finditer(code))
    return LeanFile(path, imports, tuple(decls), tuple(forbidden))


def _apply_scope(stack, m, path, line) -> None:
    cmd, arg = m.group("cmd").split()[-1], m.group("arg")
    if cmd == "namespace":
        if not arg:
            raise ParseError("`namespace` without a name", path, line)
        stack.append(("namespace", arg.split(".")))
    elif cmd == "section":
        stack.append(("section", arg.split(".") if arg else []))
    elif cmd == "mutual":
        stack.append(("mutual", []))
    else:  # end: closes the innermost scope(s) whose names make up `arg`
        want = arg.split(".") if arg else []
        if not stack:
            raise ParseError(f"`end {arg}` without an open namespace or section", path, line)
        if stack[-1][0] == "mutual" or not want:
            if stack[-1][1] and not want:
                raise ParseError(f"`end` must name `{'.'.join(stack[-1][1])}`", path, line)
            stack.pop()
            return
        got: list[str] = []
        while stack and len(got) < len(want):
            got = stack.pop()[1] + got
        if got != want:
            raise ParseError(f"`end {arg}` does not match the open scope `{'.'.join(got)}`",
                             path, line)


def _qualify(stack, name: str | None) -> str | None:
    if name is None:
        return None
    if name.startswith("_root_."):
        return name[len("_root_."):]
    prefix = [c for kind, comps in stack if kind == "namespace" for c in comps]
    return ".".join(prefix + [name])
