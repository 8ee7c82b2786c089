"""meltano.yml and sample_config.json stay true to the plugins and the sandbox.

These read the files only (no Meltano run), so they fail fast and name what drifted:
a tap or target setting that meltano.yml does not declare (Meltano would not map its
environment variable), a secret not marked sensitive, a plugin Meltano would look up on
Meltano Hub, or sandbox credentials that no longer match ``ghl-sandbox serve --seed 42``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml

from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer
from tests.e2e.conftest import PROJECT_ROOT

PROJECT = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
SAMPLE = json.loads((PROJECT_ROOT / "sample_config.json").read_text())
TAP_CAPABILITIES = {"catalog", "discover", "state", "about", "stream-maps", "schema-flattening"}


@cache
def plugin_class_facts(module: str, cls: str) -> dict[str, Any]:
    """The plugin class's own ``config_jsonschema`` and capabilities, read in a fresh
    interpreter: instantiating a plugin (as other tests do) appends the SDK's built-in
    settings to the class attribute in place."""
    code = (
        f"import json; from {module} import {cls} as P; "
        "print(json.dumps({'schema': P.config_jsonschema, "
        "'capabilities': [c.value for c in P.capabilities]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    return json.loads(result.stdout)


TAP = ("tap_ghl.tap", "TapGHL")
TARGET = ("target_ghl.target", "TargetGHL")


def plugins() -> dict[str, dict[str, Any]]:
    found = {}
    for kind in ("extractors", "loaders"):
        for plugin in PROJECT["plugins"].get(kind, []):
            found[plugin["name"]] = plugin
    return found


def declared(plugin: str) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in plugins()[plugin]["settings"]}


def environment(name: str) -> dict[str, Any]:
    (env,) = [e for e in PROJECT["environments"] if e["name"] == name]
    return env


def environment_config(env: str, kind: str, plugin: str) -> dict[str, Any]:
    entries = environment(env).get("config", {}).get("plugins", {}).get(kind, [])
    (entry,) = [e for e in entries if e["name"] == plugin]
    return entry["config"]


@pytest.fixture(scope="module")
def seed_42() -> dict[str, Any]:
    """The credentials `ghl-sandbox serve --seed 42` prints (they do not depend on counts)."""
    return SandboxServer(SandboxConfig(seed=42, contacts=1)).credentials


def test_every_plugin_is_fully_defined_so_meltano_never_asks_the_hub() -> None:
    for name, plugin in plugins().items():
        assert "variant" not in plugin and "inherit_from" not in plugin, name
        for key in ("namespace", "pip_url", "executable", "settings"):
            assert plugin.get(key), f"{name} lacks {key}"


def test_third_party_plugins_are_pinned() -> None:
    for name, plugin in plugins().items():
        if plugin["pip_url"] != "-e .":
            assert "==" in plugin["pip_url"], f"{name}: pin the version you tested"


@pytest.mark.parametrize(("plugin", "cls"), [("tap-ghl", TAP), ("target-ghl", TARGET)])
def test_every_plugin_setting_is_declared_described_and_secrets_are_sensitive(
    plugin: str, cls: tuple[str, str]
) -> None:
    settings = declared(plugin)
    properties = plugin_class_facts(*cls)["schema"]["properties"]
    missing = set(properties) - set(settings)
    assert not missing, f"declare {sorted(missing)} under {plugin} in meltano.yml"
    for name, setting in settings.items():
        assert setting.get("description"), f"{plugin}.{name} has no description"
        assert "kind: password" not in json.dumps(setting)
    for name, schema in properties.items():
        if schema.get("secret") or schema.get("writeOnly"):
            assert settings[name].get("sensitive") is True, f"{plugin}.{name} must be sensitive"


def test_tap_capabilities_are_declared_and_real() -> None:
    declared_caps = set(plugins()["tap-ghl"]["capabilities"])
    assert declared_caps >= TAP_CAPABILITIES
    assert declared_caps <= set(plugin_class_facts(*TAP)["capabilities"])


@cache
def about(executable: str) -> dict[str, Any]:
    """What the installed plugin reports, as Meltano and Meltano Hub read it."""
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / executable), "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


#: SDK built-in target settings that do not apply to target-ghl, so meltano.yml leaves
#: them out: it writes through HighLevel's API, not into tables, so batch sizes, load
#: methods and `_sdc_*` metadata columns do not apply.
TARGET_SETTINGS_NOT_OFFERED = {"add_record_metadata", "batch_size_rows", "load_method"}


@pytest.mark.parametrize("plugin", ["tap-ghl", "target-ghl"])
def test_capabilities_are_exactly_what_about_reports(plugin: str) -> None:
    """Meltano acts on capabilities: `structured-logging` makes it read log levels,
    `batch` and `activate-version` tell it what the plugin can emit or process."""
    declared_caps = plugins()[plugin]["capabilities"]
    assert sorted(declared_caps) == sorted(about(plugin)["capabilities"])
    assert "structured-logging" in declared_caps


@pytest.mark.parametrize("plugin", ["tap-ghl", "target-ghl"])
def test_every_setting_about_reports_is_declared(plugin: str) -> None:
    """`--about` includes the SDK's built-in settings (batch_config, validate_records,
    flattening): an undeclared one is a setting Meltano would not pass to the plugin."""
    offered = set(about(plugin)["settings"]["properties"])
    if plugin == "target-ghl":
        offered -= TARGET_SETTINGS_NOT_OFFERED
    assert offered <= set(declared(plugin)), sorted(offered - set(declared(plugin)))
    assert set(declared(plugin)) <= set(about(plugin)["settings"]["properties"])


def test_environments_dev_is_default_and_prod_reads_the_environment() -> None:
    assert PROJECT["default_environment"] == "dev"
    assert environment("prod").get("config") is None  # prod comes only from env variables
    assert PROJECT["send_anonymous_usage_stats"] is False


def test_sample_config_and_dev_environment_open_the_seed_42_sandbox(
    seed_42: dict[str, Any],
) -> None:
    jsonschema.validate(SAMPLE, plugin_class_facts(*TAP)["schema"])
    assert SAMPLE["api_url"] == "http://127.0.0.1:8765"
    assert SAMPLE["location_id"] == seed_42["location_id"]
    assert SAMPLE["access_token"] == seed_42["access_token"]
    dev_tap = environment_config("dev", "extractors", "tap-ghl")
    assert {k: dev_tap[k] for k in SAMPLE} == SAMPLE
    dev_target = environment_config("dev", "loaders", "target-ghl")
    assert dev_target["location_id"] == seed_42["location_id"]
    assert dev_target["access_token"] == seed_42["access_token"]
