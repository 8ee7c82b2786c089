"""The shipped Meltano Hub plugin definitions (plugins/) work in a project that is not this one.

A user outside this checkout adds the plugins with ``meltano add --from-ref <file>``. These
tests keep the files identical to meltano.yml where they overlap (so the two cannot drift),
then do what that user does in a brand-new ``meltano init`` project, with Meltano Hub
pointed at a closed port: add both definitions, install tap-ghl from this checkout, and see
that Meltano runs it and shows its errors at error level.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import PROJECT_ROOT
from tests.e2e.offline_meltano import meltano_in

PROJECT = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
DEFINITIONS = {
    "tap-ghl": ("extractors", PROJECT_ROOT / "plugins/extractors/tap-ghl/ghl-connectors.yml"),
    "target-ghl": ("loaders", PROJECT_ROOT / "plugins/loaders/target-ghl/ghl-connectors.yml"),
}
#: What Meltano Hub needs to list a plugin (the keys of its _data/meltano/**.yml files).
HUB_KEYS = (
    "name",
    "namespace",
    "variant",
    "label",
    "description",
    "repo",
    "docs",
    "pip_url",
    "executable",
    "capabilities",
    "settings_group_validation",
    "settings",
)
#: Where the files and meltano.yml must agree, key by key.
SHARED_KEYS = (
    "namespace",
    "executable",
    "capabilities",
    "settings_group_validation",
    "settings",
)


def definition(plugin: str) -> dict[str, Any]:
    return yaml.safe_load(DEFINITIONS[plugin][1].read_text())


def project_plugin(plugin: str) -> dict[str, Any]:
    kind = DEFINITIONS[plugin][0]
    (found,) = [p for p in PROJECT["plugins"][kind] if p["name"] == plugin]
    return found


@pytest.mark.parametrize("plugin", sorted(DEFINITIONS))
def test_definition_has_the_hub_keys_and_matches_meltano_yml(plugin: str) -> None:
    shipped = definition(plugin)
    missing = [key for key in HUB_KEYS if not shipped.get(key)]
    assert not missing, f"{plugin}: missing {missing}"
    assert shipped["name"] == plugin
    for key in SHARED_KEYS:
        assert shipped[key] == project_plugin(plugin)[key], (
            f"{plugin}.{key} differs from meltano.yml: run scripts/sync_plugin_definitions.py"
        )
    # Installable outside a checkout: a package name, a VCS URL or a path, never `-e .`.
    assert shipped["pip_url"] != "-e ."


@pytest.fixture(scope="module")
def new_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("new-meltano-project")
    result = meltano_in(root)("init", "proj", "--no-usage-stats")
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "proj"


def test_meltano_add_from_ref_accepts_both_definitions(new_project: Path) -> None:
    meltano = meltano_in(new_project)
    for plugin, (kind, path) in DEFINITIONS.items():
        result = meltano("add", kind[:-1], plugin, "--from-ref", str(path), "--no-install")
        assert result.returncode == 0, f"{plugin}: {result.stderr[-3000:]}"
    added = yaml.safe_load((new_project / "meltano.yml").read_text())["plugins"]
    for plugin, (kind, _) in DEFINITIONS.items():
        (entry,) = [p for p in added[kind] if p["name"] == plugin]
        assert entry["variant"] == definition(plugin)["variant"]
        assert entry["pip_url"] == definition(plugin)["pip_url"]
        assert [s["name"] for s in entry["settings"]] == [
            s["name"] for s in definition(plugin)["settings"]
        ]
    listed = meltano("config", "list", "tap-ghl")
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert "token_store_path" in listed.stdout


def test_the_definition_installs_from_a_local_path_and_shows_errors_as_errors(
    new_project: Path, tmp_path: Path
) -> None:
    """The README's local-path pip_url form, installed for real (not editable): the
    package, not this checkout's sources, is what Meltano then runs."""
    local = dict(definition("tap-ghl"), pip_url=str(PROJECT_ROOT))
    ref = tmp_path / "tap-ghl.yml"
    ref.write_text(yaml.safe_dump(local, sort_keys=False))
    meltano = meltano_in(new_project)
    meltano("remove", "extractor", "tap-ghl")
    added = meltano("add", "extractor", "tap-ghl", "--from-ref", str(ref))
    assert added.returncode == 0, added.stderr[-3000:]
    about = meltano("invoke", "tap-ghl", "--about")
    assert about.returncode == 0, about.stderr[-3000:]
    assert "Name: tap-ghl" in about.stdout
    failing = meltano(
        "invoke",
        "tap-ghl",
        extra_env={
            "TAP_GHL_LOCATION_ID": "loc",
            "TAP_GHL_ACCESS_TOKEN": "pit-unused",
            "TAP_GHL_PAGE_SIZE": "9999",
        },
    )
    output = failing.stdout + failing.stderr
    assert failing.returncode != 0
    assert re.search(r"\[error\s*\].*page_size", output), output[-3000:]
