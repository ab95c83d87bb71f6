"""The layer contract really holds: a wrong-way import makes ``lint-imports`` (CI) fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = (
    "core",
    "oaipmh",
    "metadata_schemas",
    "catalogue",
    "indexer",
    "diffusion",
    "harvesters",
    "mawarid",
    "portal",
)
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in PACKAGES:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a test dependency")
def test_the_code_keeps_the_layers_and_a_wrong_way_import_breaks_them(tmp_path):
    root = _tree(tmp_path)
    clean = _lint(root)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # The catalogue reaching up into the web portal: the mistake the contract exists for.
    target = root / "catalogue" / "errors.py"
    target.write_text(target.read_text() + "\nimport portal.auth  # noqa\n")
    broken = _lint(root)
    assert broken.returncode != 0
    assert "catalogue.errors -> portal.auth" in broken.stdout


def test_only_the_catalogue_imports_its_store(tmp_path):
    root = _tree(tmp_path)
    target = root / "portal" / "views" / "public.py"
    target.write_text(
        target.read_text() + "\nfrom catalogue.store.models import Resource  # noqa\n"
    )
    broken = _lint(root)
    assert broken.returncode != 0
    assert "portal.views.public -> catalogue.store.models" in broken.stdout
