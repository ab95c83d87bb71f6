"""The files of deploy/ pass their own tools' checks: systemd's and docker-compose's.

(nginx's own check and a live nginx in front of the portal are in ``test_nginx.py``.)
Locally a missing tool skips its test; in CI (``bin/test`` installs them) it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTALLED = "/opt/mawarid/venv/bin/mawarid"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: bin/test installs it")
        pytest.skip(f"{name} is not installed")
    return found


def test_systemd_units_are_valid(tmp_path):
    """``systemd-analyze verify`` with the program and files the units name made real."""
    tool = _tool("systemd-analyze")
    mawarid = Path(sys.executable).with_name("mawarid")
    (tmp_path / "mawarid.env").write_text("")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        text = unit.read_text()
        if unit.suffix == ".service":
            assert INSTALLED in text, f"{unit.name}: the layout of docs/deployment.md"
        text = text.replace(INSTALLED, str(mawarid)).replace("/etc/mawarid/", f"{tmp_path}/")
        (tmp_path / unit.name).write_text(text)
        units.append(str(tmp_path / unit.name))
    check = subprocess.run([tool, "verify", *units], capture_output=True, text=True)
    assert check.returncode == 0 and not check.stderr.strip(), check.stderr


def test_the_compose_file_is_valid_and_runs_three_search_nodes():
    tool = _tool("docker-compose")
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "p",
        "MAWARID_SECRET_KEY": "k",
    }
    check = subprocess.run(
        [tool, "-f", str(DEPLOY / "compose" / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert check.returncode == 0, check.stderr
    config = check.stdout
    for service in ("postgres:", "portal:", "opensearch-1:", "opensearch-2:", "opensearch-3:"):
        assert f"\n  {service}" in config
    nodes = "opensearch://opensearch-1:9200,opensearch-2:9200,opensearch-3:9200/mawarid"
    assert nodes in config
    # without the secrets, compose refuses to start rather than run with empty passwords
    bare = {k: v for k, v in env.items() if k not in ("POSTGRES_PASSWORD", "MAWARID_SECRET_KEY")}
    refused = subprocess.run(
        [tool, "-f", str(DEPLOY / "compose" / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env=bare,
    )
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stderr
