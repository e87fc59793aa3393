"""Unit tests of extensions/: the functions directly, then each wired into a tiny template."""

from __future__ import annotations

import tomllib
from pathlib import Path

import copier
import pytest
import yaml

from extensions.escaping import toml_key, toml_string, yaml_string
from extensions.git_defaults import current_year, git_config
from extensions.names import distribution_name, import_name, pep503_normalize
from extensions.pythons import SUPPORTED, next_minor, pythons_from
from extensions.validation import (
    is_email,
    is_https_url,
    is_identifier,
    is_pep508_name,
    is_python_keyword,
    is_single_line,
    is_stdlib_module,
)
from tests.support.questionnaire import ROOT


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ("Hello World", "hello-world"),
        ("  Acme -- Billing!! ", "acme-billing"),
        ("ünïcode tool", "n-code-tool"),
        ("Already-fine_name.2", "already-fine-name-2"),
        ("!!!", ""),
    ],
)
def test_distribution_name(project: str, expected: str) -> None:
    assert distribution_name(project) == expected


def test_pep503_and_import_names() -> None:
    assert pep503_normalize("Foo__Bar..baz") == "foo-bar-baz"
    assert import_name("my-pkg.sub_part") == "my_pkg_sub_part"


@pytest.mark.parametrize(
    ("test", "good", "bad"),
    [
        (is_pep508_name, ["a", "a.b-c_d", "A1"], ["", "-a", "a-", "a b", "a/b", 3]),
        (is_identifier, ["pkg", "_p", "p2"], ["2p", "my-pkg", "", "pâté", None]),
        (is_python_keyword, ["class", "import", "None"], ["match", "pkg"]),
        (is_stdlib_module, ["json", "typing", "test", "os"], ["requests", "pkg"]),
        (
            is_email,
            ["a@b.co", "first.last+tag@sub.example.org"],
            ["a@b", "a b@c.d", "@b.c", "a@@b.c"],
        ),
        (
            is_https_url,
            ["https://github.com/a/b"],
            ["http://x.y", "https://", "ftp://x", "https://a b"],
        ),
        (is_single_line, ["one line", ""], ["a\nb", "a\r\nb", "a\n", "a\u2028b"]),
    ],
)
def test_validation_predicates(test: object, good: list[object], bad: list[object]) -> None:
    assert callable(test)
    assert all(test(value) for value in good)
    assert not any(test(value) for value in bad)


TRICKY = 'q"uote \\ back # hash: colon — ünï\ttab\u007fdel\x01ctl'


def test_toml_string_round_trips_anything() -> None:
    assert tomllib.loads(f"v = {toml_string(TRICKY)}")["v"] == TRICKY


def test_yaml_string_round_trips_anything() -> None:
    assert yaml.safe_load(f"v: {yaml_string(TRICKY)}")["v"] == TRICKY


def test_pythons() -> None:
    assert pythons_from("3.11") == list(SUPPORTED)
    assert pythons_from(SUPPORTED[-1]) == [SUPPORTED[-1]]
    assert next_minor("3.13") == "3.14"


def test_git_config_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    assert git_config("user.name", "Fallback") == "Fallback"
    (tmp_path / ".gitconfig").write_text("[user]\n\tname = From Git\n", encoding="utf-8")
    assert git_config("user.name", "Fallback") == "From Git"
    assert current_year().isdigit()


def _tiny_template(root: Path, extension: str, body: str) -> Path:
    """A one-file template that loads one extension from Keel's extensions/ by path."""
    (root / "extensions").mkdir(parents=True)
    source = ROOT / "extensions" / f"{extension.split(':')[0]}"
    (root / "extensions" / source.name).write_text(source.read_text(encoding="utf-8"))
    (root / "copier.yml").write_text(
        yaml.safe_dump(
            {
                "_jinja_extensions": [
                    "copier_template_extensions.TemplateExtensionLoader",
                    f"extensions/{extension}",
                ],
                "value": {"type": "str", "default": "x"},
            }
        ),
        encoding="utf-8",
    )
    (root / "out.txt.jinja").write_text(body, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("extension", "body", "value", "expected"),
    [
        ("names.py:NamesExtension", "{{ value | distribution_name }}", "My Tool", "my-tool"),
        ("names.py:NamesExtension", "{{ value | import_name }}", "my-tool", "my_tool"),
        ("escaping.py:EscapingExtension", "{{ value | toml_str }}", 'a"b', '"a\\"b"'),
        ("escaping.py:EscapingExtension", "{{ value | yaml_str }}", "a: b", '"a: b"'),
        (
            "pythons.py:PythonsExtension",
            "{{ value | pythons_from | join(',') }}",
            "3.13",
            "3.13,3.14",
        ),
        ("validation.py:ValidationExtension", "{{ value is stdlib_module }}", "json", "True"),
        ("validation.py:ValidationExtension", "{{ value is email }}", "nope", "False"),
        ("git_defaults.py:GitDefaultsExtension", "{{ current_year() | length }}", "x", "4"),
    ],
)
def test_extension_inside_copier(
    tmp_path: Path, extension: str, body: str, value: str, expected: str
) -> None:
    template = _tiny_template(tmp_path / "template", extension, body)
    copier.run_copy(
        str(template),
        tmp_path / "out",
        data={"value": value},
        unsafe=True,
        quiet=True,
        defaults=True,
    )
    assert (tmp_path / "out" / "out.txt").read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("key", ["my.app", "my-app", "my_app", "a b", "é", 'q"uote', "x\\y", "1.2"])
def test_toml_key_reads_back_as_one_key(key: str) -> None:
    """Every key a name can make is one key, never a dotted path or a syntax error."""
    assert tomllib.loads(f"[t]\n{toml_key(key)} = 1\n")["t"] == {key: 1}


def test_toml_key_stays_bare_where_toml_allows() -> None:
    assert toml_key("keel-sample") == "keel-sample"
    assert toml_key("my.app") == '"my.app"'
