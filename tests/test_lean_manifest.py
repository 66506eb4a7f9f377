"""proofs_manifest.toml: the loader rejects each kind of malformed entry with a clear message,
and ``rewrite_hashes`` changes only the hash lines."""
import textwrap

import pytest

from tbn.errors import ManifestError
from tbn.lean.manifest import load_manifest, resolve_callables, rewrite_hashes

GOOD = textwrap.dedent('''\
    # header comment
    [[theorem]]
    id = "oplus_comm"
    lean_name = "TBN.LogOdds.oplus_comm"
    file = "TBN/LogOdds.lean"
    statement_hash = ""
    claim = "SPEC 3.1"
    check = "tbn.checks._base.tolerance"
    instances = 10

    [[theorem]]
    id = "two"   # trailing comment
    lean_name = "TBN.LogOdds.two"
    file = "TBN/LogOdds.lean"
    statement_hash = "sha256:0123456789abcdef"
    claim = "SPEC 3.1"
    check = "tbn.checks._base.tolerance"
    precision = 30
    instances = 1

    [[weights]]
    lean_name = "TBN.Weights.query0_b2"
    file = "TBN/Weights.lean"
    python = "tbn.checks._base.tolerance"
    args = { width = 2, name = "query", head = 0 }
    ''')


def write(tmp_path, text):
    path = tmp_path / "proofs_manifest.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_manifest_loads_with_defaults(tmp_path):
    m = load_manifest(write(tmp_path, GOOD))
    assert [t.id for t in m.theorems] == ["oplus_comm", "two"]
    assert m.theorems[0].precision == 50 and m.theorems[1].precision == 30
    assert m.weights[0].args == {"width": 2, "name": "query", "head": 0}
    assert m.lean_path("TBN/LogOdds.lean") == tmp_path / "lean" / "TBN" / "LogOdds.lean"


@pytest.mark.parametrize("old, new, message", [
    ('claim = "SPEC 3.1"\ncheck', 'check', "missing key `claim`"),
    ("instances = 10", 'instances = "10"', "`instances` must be an integer"),
    ("instances = 10", "instances = true", "`instances` must be an integer"),
    ('id = "two"', 'id = "oplus_comm"', "duplicate id"),
    ('lean_name = "TBN.LogOdds.two"', 'lean_name = "TBN.LogOdds.oplus_comm"',
     "duplicate lean_name"),
    ('file = "TBN/Weights.lean"', 'file = "../secrets/Weights.lean"', "relative to lean/"),
    ('file = "TBN/Weights.lean"', 'file = "/abs/Weights.lean"', "relative to lean/"),
    ('file = "TBN/Weights.lean"', 'file = "lean/TBN/Weights.lean"', "relative to lean/"),
    ('statement_hash = ""', 'statement_hash = "md5:abc"', "statement_hash must be"),
    ("precision = 30", "precision = 5", "precision must be at least 11"),
    ("instances = 1\n", "instances = 0\n", "instances must be at least 1"),
    ('check = "tbn.checks._base.tolerance"\nprecision',
     'check = "not a dotted path"\nprecision', "is not a dotted path"),
    ("instances = 10", "instances = 10\nprecison = 40", "unknown key `precison`"),
    ("# header comment", "title = 'x'", "unknown top-level key `title`"),
    ('claim = "SPEC 3.1"', 'claim = " "', "`claim` must not be empty"),
])
def test_each_malformation_is_rejected_with_its_message(tmp_path, old, new, message):
    assert old in GOOD
    with pytest.raises(ManifestError, match=message):
        load_manifest(write(tmp_path, GOOD.replace(old, new, 1)))


def test_all_problems_are_reported_at_once(tmp_path):
    bad = GOOD.replace("instances = 10", "").replace('id = "two"', 'id = "oplus_comm"')
    with pytest.raises(ManifestError) as info:
        load_manifest(write(tmp_path, bad))
    text = str(info.value)
    assert "2 problem(s)" in text and "missing key `instances`" in text and "duplicate id" in text


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(ManifestError, match="not valid TOML"):
        load_manifest(write(tmp_path, "[[theorem]\nid = 1"))
    with pytest.raises(ManifestError, match="no such manifest"):
        load_manifest(tmp_path / "nope.toml")


@pytest.mark.parametrize("target, message", [
    ("tbn.checks.no_such_module.check", "cannot be imported"),
    ("tbn.checks._base.no_such_function", "has no callable"),
])
def test_unimportable_checks_are_rejected(tmp_path, target, message):
    m = load_manifest(write(tmp_path, GOOD.replace('check = "tbn.checks._base.tolerance"\n'
                                                   'instances = 10', f'check = "{target}"\n'
                                                   'instances = 10')))
    with pytest.raises(ManifestError, match=message):
        resolve_callables(m)


def test_rewrite_hashes_changes_only_the_hash_lines(tmp_path):
    path = write(tmp_path, GOOD)
    m = load_manifest(path)
    new = {"oplus_comm": "sha256:aaaaaaaaaaaaaaaa", "two": "sha256:0123456789abcdef"}
    assert rewrite_hashes(m, new) == ["oplus_comm"]
    after = path.read_text(encoding="utf-8")
    assert after == GOOD.replace('statement_hash = ""',
                                 'statement_hash = "sha256:aaaaaaaaaaaaaaaa"', 1)
    assert load_manifest(path).theorems[0].statement_hash == "sha256:aaaaaaaaaaaaaaaa"


def test_rewrite_refuses_a_multiline_hash(tmp_path):
    text = GOOD.replace('statement_hash = ""', "statement_hash = '''\n'''", 1)
    path = write(tmp_path, text)
    with pytest.raises(ManifestError, match="cannot rewrite"):
        rewrite_hashes(load_manifest(path), {"oplus_comm": "sha256:aaaaaaaaaaaaaaaa"})
    assert path.read_text(encoding="utf-8") == text
