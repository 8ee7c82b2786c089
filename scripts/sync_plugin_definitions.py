"""Rewrite the Hub plugin definitions in plugins/ from meltano.yml's tap-ghl and target-ghl.

meltano.yml is where settings are declared and tested against `--about`; the definition files
carry the same `namespace`, `executable`, `capabilities`, `settings_group_validation` and
`settings` for projects that add the plugins with `meltano add --from-ref`. Run this after
changing a setting (tests/e2e/test_plugin_definitions.py fails until the two agree):

    .venv/bin/python scripts/sync_plugin_definitions.py
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = {
    "tap-ghl": ("extractors", ROOT / "plugins/extractors/tap-ghl/ghl-connectors.yml"),
    "target-ghl": ("loaders", ROOT / "plugins/loaders/target-ghl/ghl-connectors.yml"),
}
SHARED_KEYS = ("namespace", "executable", "capabilities", "settings_group_validation", "settings")


def main() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    for name, (kind, path) in DEFINITIONS.items():
        (plugin,) = [p for p in project["plugins"][kind] if p["name"] == name]
        text = path.read_text()
        header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
        definition = yaml.safe_load(text)
        definition.update({key: plugin[key] for key in SHARED_KEYS if key in plugin})
        path.write_text(header + yaml.safe_dump(definition, sort_keys=False, width=100))
        print(f"{path.relative_to(ROOT)}: {len(definition['settings'])} settings")


if __name__ == "__main__":
    main()
