"""BATCH mode: child streams write a bounded number of files, and every record is in one."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from urllib.parse import urlsplit

from singer_sdk import Stream

from tests.tap.plugin_runs import catalog_selecting, records, run_tap, write_config

BATCH_SIZE = 100


def batch_files(stdout: str) -> dict[str, list[Path]]:
    files: dict[str, list[Path]] = {}
    for line in stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "BATCH":
            for url in message["manifest"]:
                files.setdefault(message["stream"], []).append(Path(urlsplit(url).path))
    return files


def read_records(paths: list[Path]) -> list[dict]:
    out = []
    for path in paths:
        with gzip.open(path, "rt") as lines:
            out += [json.loads(line) for line in lines]
    return out


def test_notes_go_into_a_bounded_number_of_files_with_every_record(
    sandbox, tmp_path, tap_config
) -> None:
    catalog = catalog_selecting(tmp_path, tap_config, "contacts", "notes")
    plain = run_tap("--config", str(write_config(tmp_path, tap_config)), "--catalog", str(catalog))
    assert plain.returncode == 0, plain.stderr[-2000:]
    contacts, notes = records(plain.stdout, "contacts"), records(plain.stdout, "notes")
    assert len(notes) > 2 * BATCH_SIZE  # enough notes to need several files

    storage = tmp_path / "batches"
    storage.mkdir()
    config = tap_config | {
        "batch_config": {
            "encoding": {"format": "jsonl", "compression": "gzip"},
            "storage": {"root": storage.as_uri(), "prefix": "ghl-"},
            "batch_size": BATCH_SIZE,
        }
    }
    batched = run_tap("--config", str(write_config(tmp_path, config)), "--catalog", str(catalog))
    assert batched.returncode == 0, batched.stderr[-2000:]
    files = batch_files(batched.stdout)
    contact_files = math.ceil(len(contacts) / BATCH_SIZE)
    assert len(files["contacts"]) == contact_files
    # Full files as notes reach batch_size, plus at most one partial file per contacts file.
    assert len(files["notes"]) <= math.ceil(len(notes) / BATCH_SIZE) + contact_files
    assert len(files["notes"]) < len(contacts) / 10
    in_files = read_records(files["notes"])
    assert sorted(n["id"] for n in in_files) == sorted(n["id"] for n in notes)
    assert all(set(n) == set(notes[0]) for n in in_files)  # complete records here too
    assert len(read_records(files["contacts"])) == len(contacts)


def test_singer_sdk_still_has_what_bounded_batch_files_use() -> None:
    """tap_ghl.sdk_compat.records_for_batch / write_batch_message use these private members."""
    import inspect

    sync_records = inspect.signature(Stream._sync_records)
    assert "write_messages" in sync_records.parameters
    assert list(inspect.signature(Stream._write_batch_message).parameters) == [
        "self",
        "encoding",
        "manifest",
    ]
