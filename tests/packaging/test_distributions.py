"""The distributions a user installs outside this checkout: built, checked, installed, run.

``python -m build`` makes the sdist and the wheel from the sdist (as PyPI users get them),
once per session. The wheel must carry every data file the packages read at run time
(the bundled OpenAPI specs the tap derives its schemas from, and their SOURCE.txt), pass
``twine check`` as PyPI's upload would, and work in a virtualenv that has never seen this
checkout: the three console scripts run and the tap derives its catalog.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Top-level folders that are not packages the wheel ships.
NOT_SHIPPED = {"tests", "benchmarks", "scripts", "docs", "plugins"}


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "build", "--outdir", out, PROJECT_ROOT)
    # PEP 639 metadata: setuptools warns (on every install from source) about the old table.
    assert "project.license` as a TOML table is deprecated" not in built.stdout + built.stderr
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="session")
def clean_venv(tmp_path_factory: pytest.TempPathFactory, dist: dict[str, Path]) -> Path:
    """A fresh virtualenv with only the wheel and its declared dependencies (pip's cache
    serves them); nothing of this checkout is importable there."""
    home = tmp_path_factory.mktemp("venv")
    # No pip inside (ensurepip costs seconds): this interpreter's pip installs into it.
    venv.EnvBuilder(with_pip=False).create(home)
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        home / "bin" / "python",
        "install",
        "--quiet",
        dist["wheel"],
        cwd=home,
    )
    return home / "bin"


def shipped_package_files() -> set[str]:
    """Every file git tracks in the importable packages, as the wheel would name it."""
    tracked = run("git", "ls-files", cwd=PROJECT_ROOT).stdout.split()
    packages = {
        path.split("/")[0]
        for path in tracked
        if path.count("/") == 1 and path.endswith("/__init__.py")
    } - NOT_SHIPPED
    return {path for path in tracked if path.split("/")[0] in packages}


def test_twine_check_passes(dist: dict[str, Path]) -> None:
    result = run(sys.executable, "-m", "twine", "check", "--strict", dist["wheel"], dist["sdist"])
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_metadata_uses_the_pep_639_license_fields(dist: dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        text = wheel.read(metadata).decode()
        assert "License-Expression: Apache-2.0" in text
        assert "License-File: LICENSE" in text
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel.namelist())


def test_the_wheel_carries_every_package_file_including_the_bundled_specs(
    dist: dict[str, Path],
) -> None:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
    expected = shipped_package_files()
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    specs = [n for n in names if "/openapi/" in n and n.endswith(".json")]
    assert specs, "no bundled OpenAPI spec in the wheel"
    assert any(n.endswith("/openapi/SOURCE.txt") for n in names)


def test_the_sdist_carries_the_sources_tests_and_license(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for needed in ("LICENSE", "README.md", "pyproject.toml", *shipped_package_files()):
        assert needed in names, f"{needed} missing from the sdist"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (("tap-ghl", "--about"), "Name: tap-ghl"),
        (("target-ghl", "--about"), "Name: target-ghl"),
        (("ghl-sandbox", "--help"), "usage: ghl-sandbox"),
    ],
)
def test_the_installed_console_scripts_run(
    clean_venv: Path, tmp_path: Path, script: tuple[str, ...], expected: str
) -> None:
    result = run(clean_venv / script[0], *script[1:], cwd=tmp_path)
    assert expected in result.stdout


def test_the_installed_tap_derives_its_catalog_from_the_bundled_specs(
    clean_venv: Path, tmp_path: Path
) -> None:
    """Discovery makes no request: the schemas come from the specs inside the wheel."""
    where = run(
        clean_venv / "python", "-c", "import tap_ghl; print(tap_ghl.__file__)", cwd=tmp_path
    )
    assert not where.stdout.startswith(str(PROJECT_ROOT)), where.stdout
    config = tmp_path / "config.json"
    config.write_text((PROJECT_ROOT / "sample_config.json").read_text())
    result = run(clean_venv / "tap-ghl", "--config", config, "--discover", cwd=tmp_path)
    streams = {s["tap_stream_id"]: s for s in json.loads(result.stdout)["streams"]}
    assert "contacts" in streams and "tasks" in streams
    assert "id" in streams["contacts"]["schema"]["properties"]
