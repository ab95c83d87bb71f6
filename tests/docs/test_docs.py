"""The documentation stays true to the code (Datasette's ``test_docs`` habit).

Every list below is derived from the code, never written out here, so adding a
setting, a command, a facet, an API route, a JSON field or an OAI-PMH verb
without documenting it fails this test; and the reverse checks fail when a page
keeps documenting something the code no longer has.

Where each thing must be documented:

* ``MAWARID_*`` keys read anywhere in the code → a ``### MAWARID_…`` heading in
  ``docs/configuration.md``;
* ``mawarid`` commands and subcommands (walked in click) → a heading in
  ``docs/cli.md``, whose reference part must be exactly what
  ``docs/_gen_cli.py`` prints (fix: ``python docs/_gen_cli.py --write``);
* facets declared by the indexer → a heading in ``docs/search.md``;
* ``/api`` routes of the app's url_map → a heading in ``docs/json-api.md``;
  ``.json`` twins → mentioned there; fields of the JSON answers (OpenAPI
  schemas and a real ``/api/search`` answer) → mentioned in backticks there;
* OAI-PMH verbs → a heading in ``docs/oai-pmh.md``; metadata formats and
  error codes → mentioned there.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest

from tests.support.cli import cli_runner

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
# Code whose MAWARID_* keys are settings (the test suite's own keys come from bin/test).
CODE_DIRS = (
    "core",
    "oaipmh",
    "mawarid",
    "portal",
    "catalogue",
    "indexer",
    "diffusion",
    "harvesters",
    "metadata_schemas",
)
CODE_SCRIPTS = ("bin", ".ci")  # shell scripts: the test runner and its helpers
# A key, but not a JavaScript global such as ``window.MAWARID_BUNDLE``.
KEY = re.compile(r"(?<![\w.])MAWARID_[A-Z0-9_]*[A-Z0-9]\b")


# -- helpers --------------------------------------------------------------------------


@cache
def doc(name: str) -> str:
    path = DOCS / name
    assert path.is_file(), f"docs/{name} is missing"
    return path.read_text(encoding="utf-8")


def headings(name: str) -> list[str]:
    """Markdown headings of a page, outside fenced code blocks."""
    found, fenced = [], False
    for line in doc(name).splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            found.append(line.lstrip("#").strip())
    return found


def has_heading(name: str, term: str) -> bool:
    """``term`` (in backticks or not) is a word of some heading of the page."""
    pattern = re.compile(r"(?<![\w/<>.-])`?" + re.escape(term) + r"`?(?![\w/<>.-])")
    return any(pattern.search(h) for h in headings(name))


def mentions_code(name: str, term: str) -> bool:
    return f"`{term}`" in doc(name) or f"`{term}=" in doc(name)


def code_keys() -> set[str]:
    files = [p for d in CODE_DIRS for p in (REPO / d).rglob("*.py")]
    files += [
        p for d in CODE_SCRIPTS if (REPO / d).is_dir() for p in (REPO / d).iterdir() if p.is_file()
    ]
    return {k for p in files for k in KEY.findall(p.read_text(encoding="utf-8"))}


@cache
def script(path: Path):
    """A script of the repository (not a package module), imported from its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gen_cli():
    return script(DOCS / "_gen_cli.py")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The real app on a throwaway home, with a few demo resources published."""
    import portal
    from mawarid.cli import main

    home = tmp_path_factory.mktemp("docs-home")
    app = portal.create_app({"TESTING": True, "MAWARID_HOME": str(home)})
    result = cli_runner(app).invoke(main, ["demo", "--count", "6"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["mawarid"].close()


# -- settings -------------------------------------------------------------------------


def test_every_setting_used_in_code_has_a_heading():
    keys = code_keys()
    assert {"MAWARID_HOME", "MAWARID_DATABASE_URL", "MAWARID_SECRET_KEY"} <= keys  # scan works
    missing = sorted(k for k in keys if not has_heading("configuration.md", k))
    assert not missing, f"docs/configuration.md has no heading for {missing}"


def test_configuration_documents_no_setting_the_code_ignores():
    documented = {k for h in headings("configuration.md") for k in KEY.findall(h)}
    stale = sorted(documented - code_keys())
    assert not stale, f"docs/configuration.md documents settings no code reads: {stale}"


def test_environment_settings_are_all_documented():
    from core.settings import describe

    missing = sorted(k for k, _help in describe() if not has_heading("configuration.md", k))
    assert not missing, missing


# -- CLI ------------------------------------------------------------------------------


def test_every_cli_command_has_a_heading():
    commands = [" ".join(path) for path, _ in gen_cli().iter_commands()]
    assert "mawarid user create" in commands and "mawarid serve" in commands  # walk works
    missing = [c for c in commands if not has_heading("cli.md", c)]
    assert not missing, f"docs/cli.md has no heading for {missing}"


def test_cli_reference_is_what_the_generator_prints():
    module = gen_cli()
    written, expected = module.generated_block(doc("cli.md")), module.render()
    diff = "".join(
        list(
            difflib.unified_diff(
                written.splitlines(True),
                expected.splitlines(True),
                "docs/cli.md",
                "python docs/_gen_cli.py",
            )
        )[:60]
    )
    assert written == expected, (
        "docs/cli.md is out of date: run `python docs/_gen_cli.py --write`\n" + diff
    )


def test_commands_and_options_quoted_in_the_docs_exist():
    """``mawarid xyz --opt`` written anywhere in the docs names a real command and option."""
    commands = {tuple(path[1:]): command for path, command in gen_cli().iter_commands()}
    tops = {p[0] for p in commands}
    wrong = set()
    for page in DOCS.glob("*.md"):
        for line in page.read_text(encoding="utf-8").splitlines():
            for match in re.finditer(
                r"(?<![\w/.-])mawarid ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?([^`|]*)", line
            ):
                first, second, rest = match.groups()
                if first not in tops:
                    wrong.add(f"{page.name}: mawarid {first}")
                    continue
                subs = {p[1] for p in commands if len(p) == 2 and p[0] == first}
                if subs and second and second not in subs:
                    wrong.add(f"{page.name}: mawarid {first} {second}")
                    continue
                command = commands[(first, second)] if subs and second else commands[(first,)]
                options = {
                    o
                    for param in command.params
                    for o in getattr(param, "opts", []) + getattr(param, "secondary_opts", [])
                }
                rest = rest.split(" mawarid ")[0].split("#")[0]
                for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
                    if option not in options:
                        wrong.add(
                            f"{page.name}: {' '.join(match.groups()[:2] if second else [first])}"
                            f" {option}"
                        )
    assert not wrong, f"docs quote commands or options that do not exist: {sorted(wrong)}"


# -- search ---------------------------------------------------------------------------


def test_every_facet_has_a_heading():
    from indexer import FACET_NAMES

    assert "level" in FACET_NAMES
    missing = [f for f in FACET_NAMES if not has_heading("search.md", f)]
    assert not missing, f"docs/search.md has no heading for facets {missing}"


# -- JSON API ---------------------------------------------------------------------------


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_api_route_has_a_heading(app):
    routes = sorted({r.rule for r in _rules(app) if r.rule.startswith("/api")})
    assert "/api/search" in routes
    missing = [r for r in routes if not has_heading("json-api.md", r)]
    assert not missing, f"docs/json-api.md has no heading for {missing}"


def test_json_api_documents_no_route_the_app_lacks(app):
    rules = {r.rule for r in _rules(app)}
    documented = {
        m.group(1)
        for h in headings("json-api.md")
        for m in re.finditer(r"`?((?:/[\w.<>:-]*)+)`?", h)
        if m.group(1).startswith("/")
    }
    stale = sorted(documented - rules)
    assert not stale, f"docs/json-api.md has headings for routes the app lacks: {stale}"


def test_every_json_twin_is_mentioned(app):
    twins = sorted({r.rule for r in _rules(app) if r.rule.endswith(".json")})
    assert twins
    missing = [t for t in twins if t not in doc("json-api.md")]
    assert not missing, f"docs/json-api.md does not mention the JSON twins {missing}"


def test_every_openapi_path_and_field_is_documented(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    paths = [re.sub(r"\{(\w+)\}", r"<\1>", p) for p in spec["paths"]]
    assert not [p for p in paths if not has_heading("json-api.md", p)]
    fields = {
        name
        for schema in spec["components"]["schemas"].values()
        for name in schema.get("properties", {})
    }
    assert {"total", "hits", "facets", "type", "title", "detail", "errors"} <= fields
    missing = sorted(f for f in fields if not mentions_code("json-api.md", f))
    assert not missing, f"docs/json-api.md does not mention the JSON fields {missing}"


def test_fields_of_a_real_search_answer_are_documented(app):
    body = app.test_client().get("/api/search?size=2").get_json()
    assert body["total"] > 0 and body["hits"]
    fields = set(body) | set(body["hits"][0])
    for buckets in body["facets"].values():
        for bucket in buckets:
            fields |= set(bucket)
    missing = sorted(f for f in fields if not mentions_code("json-api.md", f))
    assert not missing, f"docs/json-api.md does not mention the JSON fields {missing}"


def test_error_shape_is_the_documented_one(app):
    body = app.test_client().get("/api/resources/no-such-id").get_json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "code", "errors"}
    assert "application/problem+json" in doc("json-api.md")
    assert '"code": "not_found"' in doc("json-api.md")


# -- OAI-PMH ----------------------------------------------------------------------------


def test_every_oai_verb_has_a_heading():
    from portal.oai.arguments import VERBS

    assert len(VERBS) == 6
    missing = [v for v in VERBS if not has_heading("oai-pmh.md", v)]
    assert not missing, f"docs/oai-pmh.md has no heading for verbs {missing}"


def test_every_oai_format_and_error_code_is_mentioned():
    from oaipmh.errors import BY_CODE
    from portal.oai.formats import FORMATS

    missing = [t for t in [*FORMATS, *BY_CODE] if not mentions_code("oai-pmh.md", t)]
    assert not missing, f"docs/oai-pmh.md does not mention {missing}"


# -- the other pages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "configuration.md",
        "cli.md",
        "json-api.md",
        "search.md",
        "oai-pmh.md",
        "provenance.md",
        "diffusion.md",
        "metadata.md",
        "staff-guide.md",
        "design-decisions.md",
    ],
)
def test_page_exists_with_a_title(page):
    assert doc(page).startswith("# "), f"docs/{page} must open with a '# ' title"


def test_every_vocabulary_is_described_in_metadata_doc():
    from metadata_schemas.vocabularies import get_vocabularies

    missing = [v for v in get_vocabularies() if not mentions_code("metadata.md", v)]
    assert not missing, f"docs/metadata.md does not mention the vocabularies {missing}"


def test_every_procedure_file_is_described_in_provenance_doc():
    names = sorted(p.stem for p in (REPO / "catalogue" / "procedures").glob("*.json"))
    assert names
    missing = [n for n in names if n not in doc("provenance.md")]
    assert not missing, f"docs/provenance.md does not mention the procedures {missing}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_relative_links_and_anchors_between_docs_resolve():
    broken = []
    for page in DOCS.glob("*.md"):
        for target, anchor in re.findall(
            r"\]\(([^)#:\s]*)(?:#([^)\s]*))?\)", page.read_text(encoding="utf-8")
        ):
            path = page.parent / target if target else page
            if not path.exists():
                broken.append(f"{page.name} → {target}")
            elif (
                anchor
                and path.suffix == ".md"
                and path.parent == DOCS
                and anchor not in {slug(h) for h in headings(str(path.relative_to(DOCS)))}
            ):
                broken.append(f"{page.name} → {target}#{anchor}")
    assert not broken, f"broken links: {broken}"


# -- benchmarks -------------------------------------------------------------------------


def bench_collect():
    return script(REPO / "bench" / "collect.py")


def test_benchmarks_page_shows_the_latest_run_of_every_benchmark():
    collect = bench_collect()
    files = collect.results_files()
    assert "ingest" in files and "search" in files  # the scan works
    page = doc("benchmarks.md")
    fresh = collect.collect(page, files)
    stale = collect.stale(page, fresh)
    assert fresh == page, (
        f"docs/benchmarks.md is out of date ({stale or 'new sections'}): "
        "run `python bench/collect.py`"
    )


def test_collecting_a_new_run_keeps_the_history_written_around_it(tmp_path):
    """A new run replaces the figures between its markers, nothing else; a benchmark the
    page does not show yet gets a section of its own."""
    collect = bench_collect()
    (tmp_path / "ingest.md").write_text(
        "# Ingest\n\nCommand: `ingest --count 10`\n\n## Table\n\n| 2 |\n", "utf-8"
    )
    (tmp_path / "fresh.md").write_text("# A new benchmark\n\n| 1 |\n", "utf-8")
    page = (
        "# Benchmarks\n\n## Ingest\n\n### Latest run\n\n"
        "<!-- results: ingest +2 -->\nCommand: `ingest --count 5`\n\n| 1 |\n"
        "<!-- /results: ingest -->\n\n### Before the change\n\nWritten by hand: 11 minutes.\n"
    )
    fresh = collect.collect(page, collect.results_files(tmp_path))
    assert "Command: `ingest --count 10`\n\n#### Table\n\n| 2 |" in fresh
    assert "--count 5" not in fresh
    assert "### Before the change\n\nWritten by hand: 11 minutes.\n" in fresh
    assert fresh.rstrip().endswith(
        "## A new benchmark\n\n<!-- results: fresh +1 -->\n| 1 |\n<!-- /results: fresh -->"
    )
    assert collect.collect(fresh, collect.results_files(tmp_path)) == fresh  # settled
    assert collect.stale(page, fresh) == ["fresh", "ingest"]
