"""Fails loudly when singer-sdk changes what tap-ghl's compat override or hooks rely on.

tap_ghl/sdk_compat.py wraps ``Tap.sync_all`` (final in singer-sdk) to stop cleanly when
the daily budget runs out; tap_ghl/streams/base.py sends through ``requests_session``;
tap_ghl/singer_writer.py is installed as ``message_writer_class``. If a singer-sdk
upgrade changes any of these contracts, a test here names which one.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
from collections.abc import Iterable
from typing import Any

import pytest
from singer_sdk import Stream, Tap
from singer_sdk import typing as th

import tap_ghl.sdk_compat
from ghl_api.client import GHLClient
from ghl_api.errors import DailyLimitExhausted
from tap_ghl.sdk_compat import StopsOnDailyLimit
from tap_ghl.streams import STREAM_TYPES
from tap_ghl.tap import TapGHL
from tests.tap.singer_output import run_tap

# -- the sync_all override --------------------------------------------------------------


def test_sync_all_takes_no_arguments_and_is_what_invoke_runs() -> None:
    assert list(inspect.signature(Tap.sync_all).parameters) == ["self"]
    assert "tap.sync_all()" in inspect.getsource(Tap.invoke)
    assert TapGHL.sync_all is StopsOnDailyLimit.sync_all


def test_state_writer_is_public_and_writes_state() -> None:
    assert isinstance(inspect.getattr_static(Tap, "state_writer"), property)
    assert list(inspect.signature(Tap.state_writer.fget(TinyTap()).write_state).parameters) == [
        "state"
    ]


class Budgeted(Stream):
    """Emits two records, then the budget runs out (or not)."""

    name = "budgeted"
    schema = th.PropertiesList(th.Property("id", th.IntegerType)).to_dict()
    primary_keys = ("id",)
    runs_out = True

    def get_records(self, context: Any) -> Iterable[dict]:
        yield {"id": 1}
        yield {"id": 2}
        if self.runs_out:
            raise DailyLimitExhausted("budget used up")


class TinyTap(StopsOnDailyLimit):
    name = "tiny"
    config_jsonschema = th.PropertiesList().to_dict()

    def __init__(self, **kwargs: Any) -> None:
        self.outcome: list[Any] = []
        super().__init__(config={}, **kwargs)

    def discover_streams(self) -> list[Stream]:
        return [Budgeted(self)]

    def daily_limit_reached(self, exc: DailyLimitExhausted) -> None:
        self.outcome.append(exc)

    def sync_finished(self) -> None:
        self.outcome.append("finished")


def _sync(tap: Tap) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tap.sync_all()
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_a_daily_limit_stop_writes_state_after_the_records_and_reaches_the_hook() -> None:
    tap = TinyTap()
    messages = _sync(tap)
    assert [m["record"]["id"] for m in messages if m["type"] == "RECORD"] == [1, 2]
    assert messages[-1]["type"] == "STATE"
    assert len(tap.outcome) == 1 and isinstance(tap.outcome[0], DailyLimitExhausted)


def test_a_clean_sync_reaches_sync_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Budgeted, "runs_out", False)
    tap = TinyTap()
    _sync(tap)
    assert tap.outcome == ["finished"]


# -- no other private override -----------------------------------------------------------


def _singer_sdk_private_methods(cls: type) -> set[str]:
    return {
        name
        for base in cls.__mro__
        if base.__module__.startswith("singer_sdk")
        for name, value in vars(base).items()
        if name.startswith("_")
        and not name.startswith("__")
        and (callable(value) or isinstance(value, (property, classmethod, staticmethod)))
    }


@pytest.mark.parametrize("cls", [TapGHL, *STREAM_TYPES], ids=lambda cls: cls.__name__)
def test_no_private_singer_sdk_name_is_overridden_outside_the_compat_module(cls: type) -> None:
    private = _singer_sdk_private_methods(cls)
    overridden = {
        f"{owner.__module__}.{owner.__name__}.{name}"
        for owner in cls.__mro__
        if owner.__module__.startswith("tap_ghl")
        and owner.__module__ != tap_ghl.sdk_compat.__name__
        for name in vars(owner)
        if name in private
    }
    assert private  # the scan sees singer-sdk's private methods at all
    assert overridden == set()


# -- the public hooks the streams rely on --------------------------------------------------


def test_every_stream_request_goes_through_ghl_client_send(
    tap_config: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    real_send = GHLClient.send

    def spy(self: GHLClient, prepared: Any, **kwargs: Any) -> Any:
        sent.append(f"{prepared.method} {prepared.path_url.split('?')[0]}")
        assert kwargs == {"idempotent": True}  # every tap call may be retried
        return real_send(self, prepared, **kwargs)

    monkeypatch.setattr(GHLClient, "send", spy)
    run, tap = run_tap(tap_config, streams=["contacts", "notes", "tasks"])
    assert run.records["contacts"] and run.records["notes"] and run.records["tasks"]
    assert "POST /contacts/search" in sent
    assert sum(path.endswith("/notes") for path in sent) == len(run.records["contacts"])
    assert any(path.endswith("/tasks/search") for path in sent)
    assert len(sent) == tap.read_session.client.stats["requests"]


def test_child_streams_send_one_schema_message_per_run(tap_config: dict) -> None:
    run, _ = run_tap(tap_config, streams=["contacts", "tasks", "notes", "appointments"])
    assert len(run.records["contacts"]) > 1
    assert run.schema_messages == {"contacts": 1, "tasks": 1, "notes": 1, "appointments": 1}
