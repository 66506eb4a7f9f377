"""The Lean source reader: names, statements, hashes, docstrings, forbidden tokens.

Expected values are written by hand from the Lean snippets (the reader is not used to make them);
hashes are recomputed here with hashlib on hand-written normalised statements.
"""
import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from tbn.errors import ParseError
from tbn.lean.source import parse_lean_source, statement_hash

SAMPLE = '''import Mathlib.Data.Real.Basic
import TBN.LogOdds

/-! # A module docstring that mentions sorry and axiom -/

namespace TBN.Foo

/-- The sigmoid. -/
noncomputable def sigmoid (x : ℝ) : ℝ := 1 / (1 + Real.exp (-x))

/-- Addition commutes; the word sorry in a docstring is fine. -/
@[simp] theorem add_comm' (a b : ℝ) : /- inline /- nested -/ -/ a + b = b + a := by
  -- a line comment mentioning admit
  ring

section Helpers
variable {x : ℝ}
open Real
private lemma helper : |x| ≥ 0 := abs_nonneg x
/-- Absolute value bars are not match alternatives. -/
theorem absBar (h : 0 < x) :
    |x| = x := abs_of_pos h
end Helpers

namespace Inner
/-- A match. -/
def f : Nat → Nat
  | 0 => 1
  | n + 1 => f n
end Inner

/-- A tree. -/
inductive Tree where
  | leaf : Tree
  | node : Tree → Tree → Tree

structure Pt (n : ℕ) where
  x : Fin n

instance : Inhabited Tree := ⟨.leaf⟩
theorem _root_.top_thing : True := trivial
def s : String := "sorry inside a string -- and not a comment"
theorem bad : (1 : ℕ) = 1 := by sorry
end TBN.Foo
/-- no namespace -/ lemma plain (n : ℕ) : n = n := rfl
'''


@pytest.fixture(scope="module")
def parsed():
    return parse_lean_source(SAMPLE, "lean/TBN/Foo.lean")


def _by_name(parsed, name):
    decl = parsed.find(name)
    assert decl is not None, name
    return decl


def test_fully_qualified_names_and_kinds(parsed):
    got = [(d.kind, d.name) for d in parsed.declarations]
    assert got == [
        ("def", "TBN.Foo.sigmoid"), ("theorem", "TBN.Foo.add_comm'"),
        ("lemma", "TBN.Foo.helper"), ("theorem", "TBN.Foo.absBar"),
        ("def", "TBN.Foo.Inner.f"), ("inductive", "TBN.Foo.Tree"), ("structure", "TBN.Foo.Pt"),
        ("instance", None), ("theorem", "top_thing"), ("def", "TBN.Foo.s"),
        ("theorem", "TBN.Foo.bad"), ("lemma", "plain")]


def test_statements_are_cut_at_the_top_level(parsed):
    assert _by_name(parsed, "TBN.Foo.add_comm'").statement == "(a b : ℝ) : a + b = b + a"
    assert _by_name(parsed, "TBN.Foo.absBar").statement == "(h : 0 < x) : |x| = x"
    assert _by_name(parsed, "TBN.Foo.helper").statement == ": |x| ≥ 0"
    assert _by_name(parsed, "TBN.Foo.Inner.f").statement == ": Nat → Nat"
    assert _by_name(parsed, "TBN.Foo.Tree").statement == ""
    assert _by_name(parsed, "TBN.Foo.Pt").statement == "(n : ℕ)"
    assert _by_name(parsed, "TBN.Foo.s").body.strip() == \
        '"sorry inside a string -- and not a comment"'


def test_statement_hash_is_sha256_prefix_of_the_normalised_statement(parsed):
    expected = "sha256:" + hashlib.sha256("(a b : ℝ) : a + b = b + a".encode()).hexdigest()[:16]
    assert _by_name(parsed, "TBN.Foo.add_comm'").statement_hash == expected
    assert statement_hash("  (a b : ℝ) :\n a + b   = b + a ") == expected


def test_docstrings_privacy_and_public_theorems(parsed):
    assert _by_name(parsed, "TBN.Foo.sigmoid").docstring == "The sigmoid."
    assert _by_name(parsed, "TBN.Foo.add_comm'").docstring.startswith("Addition commutes")
    assert _by_name(parsed, "TBN.Foo.bad").docstring is None
    assert _by_name(parsed, "plain").docstring == "no namespace"
    assert _by_name(parsed, "TBN.Foo.helper").private
    public = {d.name for d in parsed.declarations if d.public_theorem}
    assert public == {"TBN.Foo.add_comm'", "TBN.Foo.absBar", "top_thing", "TBN.Foo.bad",
                      "plain"}


def test_forbidden_tokens_only_in_code(parsed):
    line = 1 + [k for k, text in enumerate(SAMPLE.splitlines()) if "by sorry" in text][0]
    assert [(f.token, f.line) for f in parsed.forbidden] == [("sorry", line)]
    assert parsed.imports == ("Mathlib.Data.Real.Basic", "TBN.LogOdds")


@pytest.mark.parametrize("code, token", [
    ("theorem t : True := by admit", "admit"),
    ("axiom bogus : False", "axiom"),
    ("theorem t : True := by native_decide", "native_decide"),
    ("unsafe def f : Nat := 0", "unsafe"),
    ("@[implemented_by g] def f : Nat := 0", "implemented_by"),
    ("def x : Float := 1.0", "Float"),
])
def test_each_forbidden_token_is_found(code, token):
    assert [f.token for f in parse_lean_source(code).forbidden] == [token]


@pytest.mark.parametrize("code", [
    "theorem sorry_free : True := trivial",       # part of an identifier
    "#print axioms foo",                          # `axioms` is another word
    "-- sorry\n/- admit /- axiom -/ -/",          # comments, nested
    'def s : String := "native_decide"',          # a string
])
def test_no_false_positives(code):
    assert parse_lean_source(code).forbidden == ()


@pytest.mark.parametrize("code, message", [
    ("/- never closed", "unterminated comment"),
    ('def s : String := "open', "unterminated string"),
    ("namespace A\nend B", "does not match"),
    ("end A", "without an open"),
])
def test_malformed_sources_raise_parse_error_with_location(code, message):
    with pytest.raises(ParseError, match=message):
        parse_lean_source(code, "lean/X.lean")


def test_comments_are_deleted_not_replaced_by_space():
    # ARCHITECTURE 4: comments removed, then whitespace runs collapsed
    decl = parse_lean_source("theorem t : a/- x\n y -/b = c--z\n := rfl").declarations[0]
    assert decl.statement == ": ab = c"


def test_match_alternatives_inside_a_statement_are_kept():
    src = "theorem t (n : ℕ) : f n = match n with\n  | 0 => 1\n  | _ => 2 := by rfl"
    decl = parse_lean_source(src).declarations[0]
    assert decl.statement == "(n : ℕ) : f n = match n with | 0 => 1 | _ => 2"
    src = "def g : ℕ → ℕ\n  | 0 => 1\n  | _ => 2"
    assert parse_lean_source(src).declarations[0].statement == ": ℕ → ℕ"


def test_scopes_left_open_at_the_end_of_a_file_are_fine():
    src = "namespace A\nsection\ntheorem t : True := trivial\n"
    assert [d.name for d in parse_lean_source(src).declarations] == ["A.t"]


def test_nested_namespaces_closed_by_one_end():
    src = "namespace A\nnamespace B.C\ntheorem t : True := trivial\nend B.C\nend A\n" \
          "theorem u : True := trivial\n"
    assert [d.name for d in parse_lean_source(src).declarations] == ["A.B.C.t", "u"]


_WS = st.sampled_from([" ", "  ", "\n", "\n    ", "\t", " /- c -/ ", " -- c\n",
                       " /- a /- b -/ -/ "])


@settings(max_examples=60, deadline=None)
@given(st.lists(_WS, min_size=6, max_size=6))
def test_hash_ignores_whitespace_and_comments(seps):
    parts = ["(a", "b : ℝ)", ":", "a + b", "=", "b + a"]
    body = "".join(sep + part for sep, part in zip(seps, parts))
    decl = parse_lean_source(f"theorem t{body} := by ring").declarations[0]
    expected = "sha256:" + hashlib.sha256("(a b : ℝ) : a + b = b + a".encode()).hexdigest()[:16]
    assert decl.statement_hash == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.sampled_from(["1", "x", "≤", "+", "(", ")"]))
def test_hash_changes_with_any_token_edit(pos, insert):
    statement = "(x y : ℝ) (h : 0 < x) : x + y ≤ x * 2 + y"
    pos = min(pos, len(statement))
    edited = statement[:pos] + insert + statement[pos:]
    assert statement_hash(edited) != statement_hash(statement)


# A generator of Lean-like files whose expected reading is known by construction.
_STATEMENTS = ["(a b : ℝ) : a + b = b + a", ": |x| ≤ 1",
               "{n : ℕ} [NeZero n] (f : Fin n → ℝ) : ∑ i, f i = ∑ i, f i",
               "(h : ∀ k, k ≠ m → s k < s m) :\n    argmaxSet s = {m}",
               ": (fun x => x + 1) 0 = 1",
               "(p : ℝ) (hp : 0 < p ∧ p < 1) : sigmoid (logit p) = p"]
_BODIES = ["by ring", "rfl", 'by\n  have h : "a := b -- c" = "a := b -- c" := rfl\n  simp',
           "by\n  -- sorry in a comment\n  norm_num", "by\n  /- admit /- nested -/ -/\n  linarith"]
_NOISE = ["", " /- c -/", " -- trailing\n", "\n/- block\n  comment -/\n"]


@st.composite
def _lean_file(draw):
    lines, expected, stack = [], [], []
    for k in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["decl", "decl", "decl", "open", "close"]))
        if action == "open":
            name = draw(st.sampled_from(["A", "B.C", "Dd"]))
            if draw(st.booleans()):
                lines.append(f"namespace {name}")
                stack.append(("ns", name))
            else:
                lines.append(f"section {name}")
                stack.append(("sec", name))
            continue
        if action == "close" and stack:
            kind, name = stack.pop()
            lines.append(f"end {name}")
            continue
        stmt = draw(st.sampled_from(_STATEMENTS))
        body = draw(st.sampled_from(_BODIES))
        doc = draw(st.booleans())
        noise = draw(st.sampled_from(_NOISE))
        kind = draw(st.sampled_from(["theorem", "lemma"]))
        name = f"t{k}"
        if doc:
            lines.append(f"/-- Doc of {name}, mentioning sorry and := safely. -/")
        lines.append(f"{kind} {name}{noise} {stmt} :={noise} {body}")
        prefix = [n for kd, n in stack if kd == "ns"]
        expected.append((kind, ".".join(prefix + [name]), " ".join(stmt.split()), doc))
    return "\n\n".join(lines) + "\n", expected


@settings(max_examples=60, deadline=None)
@given(_lean_file())
def test_generated_files_read_as_built(case):
    text, expected = case
    got = parse_lean_source(text)
    assert [(d.kind, d.name, d.statement, d.docstring is not None)
            for d in got.declarations] == expected
    assert got.forbidden == ()
