"""Unit tests of extensions/: the functions directly, then each wired into a tiny template."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import copier
import pytest
import yaml
from packaging.requirements import Requirement

from extensions import collisions
from extensions.escaping import toml_key, toml_string, yaml_string
from extensions.git_defaults import current_year, git_config
from extensions.names import distribution_name, import_name, pep503_normalize
from extensions.project_files import is_existing_file
from extensions.pythons import SUPPORTED, next_minor, pythons_from
from extensions.validation import (
    FIRST_YEAR,
    NAME_LIMIT,
    STDLIB_MODULES,
    address_punctuation,
    given_answer,
    has_address_punctuation,
    has_backslash,
    has_control_characters,
    has_credentials,
    has_double_space,
    has_edge_space,
    has_encoded_word,
    has_letter_or_digit,
    is_author_name,
    is_copyright_year,
    is_distribution_name,
    is_email,
    is_https_url,
    is_identifier,
    is_import_name,
    is_layout_name,
    is_main_module,
    is_pep508_name,
    is_python_keyword,
    is_single_line,
    is_stdlib_module,
    is_taken_distribution,
    is_taken_module,
    is_yes_or_no,
    last_copyright_year,
    lost_trailing_zero,
)
from scripts.stdlib_modules import modules_of
from tests.conftest import snapshot_template
from tests.support.toolchain import python_for


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ("Hello World", "hello-world"),
        ("  Acme -- Billing!! ", "acme-billing"),
        ("ünïcode tool", "unicode-tool"),
        ("Café Tools", "cafe-tools"),
        ("Straße, Æsir, Øre, Łódź, Œuvre", "strasse-aesir-ore-lodz-oeuvre"),
        ("Ｆｕｌｌｗｉｄｔｈ ﬁle", "fullwidth-file"),
        ("日本語ツール", ""),
        ("Ωmega Tools", "mega-tools"),
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
        (is_pep508_name, ["a", "a.b-c_d", "A1"], ["", "-a", "a-", "a b", "a/b", 3, "foo\n"]),
        (is_identifier, ["pkg", "_p", "p2"], ["2p", "my-pkg", "", "pâté", None, "pkg\n"]),
        (is_python_keyword, ["class", "import", "None"], ["match", "pkg"]),
        (
            is_stdlib_module,
            # compression, annotationlib: 3.14 only; distutils, cgi: gone in 3.12 / 3.13.
            ["json", "typing", "test", "os", "compression", "annotationlib", "distutils", "cgi"],
            ["requests", "pkg"],
        ),
        (
            is_import_name,
            ["pkg", "n" * NAME_LIMIT],
            ["json", "class", "2fast", "n" * (NAME_LIMIT + 1), "a-b", "__main__", "tests", "yaml"],
        ),
        (
            is_distribution_name,
            ["a.b-c", "n" * NAME_LIMIT, "py-test", "wheel"],
            ["-a", "n" * (NAME_LIMIT + 1), "foo\n", "pytest", "PyTest", "pre_commit", "pluggy"],
        ),
        # PEP 503: case and runs of . _ - do not make another name; "py-test" is another name.
        (
            is_taken_distribution,
            [
                "pytest",
                "PyTest",
                "Pre.Commit",
                "pre__commit",
                "PIP",
                "uv_build",
                "typing-extensions",
            ],
            ["py-test", "pytest2", "wheel", "keel-sample", "", None],
        ),
        (
            is_taken_module,
            ["pytest", "_pytest", "py", "yaml", "dotenv", "pydantic_core", "pre_commit", "pip"],
            ["pre-commit", "pyyaml", "keel_sample", "wheel", "", None],
        ),
        (is_main_module, ["__main__"], ["main", "__init__", None]),
        (is_layout_name, ["tests"], ["src", "test_core", "docs", None]),
        (
            has_address_punctuation,
            list(',"\\()<>[]:;@'),
            ["J. R. R. Tolkien", "O'Brien", "Zoë Çelik", "日本 太郎", "a!#$%&*+/=?^_`{|}~b", None],
        ),
        (has_encoded_word, ["=?utf-8?q?x?=", "a=?b"], ["a = b", "why?=", None]),
        (has_edge_space, [" a", "a ", " "], ["a b", "a\u00a0", None]),
        (has_double_space, ["a  b"], ["a b", "a \u00a0b", None]),
        (
            is_author_name,
            ["Ada Lovelace", "J. R. R. Tolkien", "Zoë O'Brien-Çelik", "日本 太郎"],
            ["", " ", "Doe, John", "a\nb", "a\x1bb", " Ann", "Ann  Lee", "=?x?q?y?=", None],
        ),
        (
            is_email,
            ["a@b.co", "first.last+tag@sub.example.org"],
            ["a@b", "a b@c.d", "@b.c", "a@@b.c", "a@example.com\n", "a@example.com\r"],
        ),
        (
            is_https_url,
            ["https://github.com/a/b", "https://git.example.com:8443/a"],
            ["http://x.y", "https://", "ftp://x", "https://a b", "https://[oops/x", 3],
        ),
        (
            has_credentials,
            ["https://u:t@github.com/a", "https://t@github.com/a"],
            ["https://github.com/a/b@v1", "https://github.com/a", "https://[oops/x", None],
        ),
        (has_backslash, ["https://evil.example\\@github.com/x"], ["https://github.com/a"]),
        (is_single_line, ["one line", ""], ["a\nb", "a\r\nb", "a\n", "a\u2028b"]),
        (
            has_control_characters,
            ["\x00", "a\x1bb", "\x7f", "\x85", "\x9b", "\t", "\u202e", "\u2066", "\ud800"],
            ["plain", "Ünïcödé 日本語 🚀", "zero\u200dwidth joiner", "", None],
        ),
        (has_letter_or_digit, ["a", "日本語", "٢"], ["!!!", "", " - ", None]),
        (
            is_copyright_year,
            [str(FIRST_YEAR), "2026", str(last_copyright_year())],
            ["26", "0000", "٢٠٢٦", "2026\n", str(last_copyright_year() + 1), 2026],
        ),
        (
            is_yes_or_no,
            [True, False, 0, 1, "yes", "No", " true ", "off", "y", "1"],
            ["maybe", "", "2", 2, 1.0, None, "truthy"],
        ),
        (lost_trailing_zero, [3.1, 3.2], [3.13, "3.10", 3, True, None]),
    ],
)
def test_validation_predicates(test: object, good: list[object], bad: list[object]) -> None:
    assert callable(test)
    assert all(test(value) for value in good)
    assert not any(test(value) for value in bad)


TRICKY = 'q"uote \\ back # hash: colon — ünï\ttab\u007fdel\x01ctl'


def test_address_punctuation_names_the_first_one() -> None:
    assert address_punctuation("Doe, John (JD)") == ","
    assert address_punctuation("Ann Lee") == ""


def test_dependency_names_were_made_from_the_template_as_it_is() -> None:
    """extensions/dependency_names.json is resolved from the direct requirements the template
    renders today (regenerate with scripts/dependency_names.py when this fails)."""
    stored = collisions.derived_file()
    assert stored["roots"] == sorted(collisions.direct())
    distributions = stored["distributions"]
    assert set(stored["roots"]) <= set(distributions)
    for entry in distributions.values():
        assert {collisions.normalize(parent) for parent in entry["needed_by"]} <= set(distributions)


def test_every_requirement_the_template_renders_is_taken() -> None:
    """Runtime dependencies, dev group and build backend of every kind and tool."""
    for (kind, tool), pyproject in collisions.rendered_pyprojects().items():
        assert pyproject["project"]["name"] == "keel-probe", (kind, tool)
        listed = collisions.requirement_lists(pyproject)
        assert listed["the build backend of {whose}"], (kind, tool)
        assert listed["a development tool of {whose}"], (kind, tool)
        for requirement in [r for requirements in listed.values() for r in requirements]:
            name = Requirement(requirement).name
            assert collisions.distribution_taker(name) is not None, (kind, tool, name)


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
    """A one-file template that loads one extension from Keel's extensions/ by path, next to
    everything Keel's extensions read by path (their data, the tool table, the template)."""
    snapshot_template(root)
    (root / "copier.yml").write_text(
        yaml.safe_dump(
            {
                "_subdirectory": "project",
                "_jinja_extensions": [
                    "copier_template_extensions.TemplateExtensionLoader",
                    f"extensions/{extension}",
                ],
                "value": {"type": "str", "default": "x"},
            }
        ),
        encoding="utf-8",
    )
    (root / "project").mkdir()
    (root / "project" / "out.txt.jinja").write_text(body, encoding="utf-8")
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
        (
            "validation.py:ValidationExtension",
            "{{ value is stdlib_module }}",
            "annotationlib",
            "True",
        ),
        (
            "names.py:NamesExtension",
            "{{ value | distribution_name }}",
            "Café Straße",
            "cafe-strasse",
        ),
        (
            "validation.py:ValidationExtension",
            "{{ given_answer(_copier_conf, 'value') }}",
            "as given",
            "as given",
        ),
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


def test_given_answer_reads_data_then_user_defaults() -> None:
    conf = {"data": {"docker": "maybe"}, "user_defaults": {"docker": "no", "other": 3.1}}
    assert given_answer(conf, "docker") == "maybe"
    assert given_answer(conf, "other") == 3.1
    assert given_answer(conf, "absent") is None
    assert given_answer({"data": {"docker": None}}, "docker") is None


# --- the standard-library lists, against the interpreters themselves ---------------------

# The interpreters every Keel machine has (the other tiers need them too); a newer one
# (3.14 when these were written) may be missing and is then checked where it is present.
MACHINE_PYTHONS = ("3.11", "3.12", "3.13")


def test_stdlib_data_covers_every_supported_python() -> None:
    assert tuple(STDLIB_MODULES) == SUPPORTED
    assert all(len(names) > 200 for names in STDLIB_MODULES.values())


@pytest.mark.parametrize("version", SUPPORTED)
def test_stdlib_data_matches_the_interpreter(version: str) -> None:
    interpreter = python_for(version)
    if interpreter is None:
        if version in MACHINE_PYTHONS or (os.environ.get("CI") and version != SUPPORTED[-1]):
            pytest.fail(f"Python {version} is required to check its standard-library list")
        pytest.skip(f"no Python {version} here; its list is checked where one is")
    # The regeneration script's own probe, so the data and this check cannot disagree
    # about what "the interpreter's list" means.
    assert sorted(STDLIB_MODULES[version]) == modules_of(interpreter), (
        "run: uv run python scripts/stdlib_modules.py"
    )


def test_existing_file_is_true_for_files_only(tmp_path: Path) -> None:
    (tmp_path / "made.lock").write_text("", encoding="utf-8")
    assert is_existing_file(tmp_path / "made.lock")
    assert is_existing_file(str(tmp_path / "made.lock"))
    assert not is_existing_file(tmp_path / "missing.lock")
    assert not is_existing_file(tmp_path)
    assert not is_existing_file(None)
