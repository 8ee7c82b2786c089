"""singer-sdk behaviour target-ghl relies on; each test fails loudly when an upgrade changes it.

``target_ghl.sdk_compat`` overrides a private Target method and hides a private attribute
for one drain (its docstring says why no public hook serves). The sinks use public hooks
(``include_sdc_metadata_properties`` and ``preprocess_record``) to keep the deletion
marker, which only works if the SDK still fills that column in. These tests drive a bare
Target with no HighLevel involved, so a failure here points at singer-sdk, not at us.
"""

from __future__ import annotations

import inspect
import io
import json
from typing import Any

import pytest
from singer_sdk import Target
from singer_sdk.sinks import RecordSink

from target_ghl.sdk_compat import DrainOnStateTarget

SDK_CHANGED = "singer-sdk changed behaviour target_ghl.sdk_compat relies on: "


class _CapturingSink(RecordSink):
    """Keeps what process_record receives; the deletion marker must survive the SDK."""

    received: list[dict[str, Any]] = []

    @property
    def include_sdc_metadata_properties(self) -> bool:
        return True

    def process_record(self, record: dict, context: dict) -> None:
        type(self).received.append(dict(record))


class _ProbeTarget(DrainOnStateTarget):
    name = "probe-target"
    config_jsonschema: dict[str, Any] = {"type": "object", "properties": {}}
    default_sink_class = _CapturingSink

    def __init__(self) -> None:
        super().__init__(config={}, validate_config=False)
        self.drains: list[bool] = []

    def drain_all(self, *, is_endofpipe: bool = False) -> None:
        self.drains.append(is_endofpipe)
        super().drain_all(is_endofpipe=is_endofpipe)


def _lines(*messages: dict[str, Any]) -> io.StringIO:
    return io.StringIO("".join(json.dumps(m) + "\n" for m in messages))


def _state(value: Any) -> dict[str, Any]:
    return {"type": "STATE", "value": value}


def _emitted(out: str) -> list[Any]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_private_names_the_compat_module_uses_still_exist() -> None:
    params = list(inspect.signature(Target._process_state_message).parameters)
    assert params == ["self", "message_dict"], SDK_CHANGED + f"_process_state_message{params}"
    assert "is_endofpipe" in inspect.signature(Target.drain_all).parameters, SDK_CHANGED
    target = _ProbeTarget()
    assert hasattr(target, "_latest_state"), SDK_CHANGED + "Target._latest_state is gone"


def test_each_new_state_is_emitted_at_once_and_a_repeat_is_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = _ProbeTarget()
    target.listen(file_input=_lines(_state({"n": 1}), _state({"n": 1}), _state({"n": 2})))
    # Two distinct STATEs → two drains on arrival, plus the end-of-pipe drain.
    assert target.drains == [False, False, True], SDK_CHANGED + f"drains {target.drains}"
    # Each emitted once on arrival, and the last again at the end of the pipe.
    assert _emitted(capsys.readouterr().out) == [{"n": 1}, {"n": 2}, {"n": 2}], SDK_CHANGED


def test_a_drain_holding_state_back_emits_nothing_and_keeps_the_state(
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = _ProbeTarget()
    target._latest_state = {"n": 7}
    target.drain_holding_state_back()
    assert _emitted(capsys.readouterr().out) == [], SDK_CHANGED + "drain_all emitted STATE"
    assert target._latest_state == {"n": 7}
    target.drain_all()
    assert _emitted(capsys.readouterr().out) == [{"n": 7}], SDK_CHANGED + "STATE not emitted"


def test_the_deletion_marker_reaches_a_sink_that_includes_sdc_metadata() -> None:
    _CapturingSink.received = []
    schema = {"type": "object", "properties": {"email": {"type": "string"}}}
    _ProbeTarget().listen(
        file_input=_lines(
            {"type": "SCHEMA", "stream": "people", "schema": schema, "key_properties": []},
            {
                "type": "RECORD",
                "stream": "people",
                "record": {"email": "a@example.org", "_sdc_deleted_at": "2025-01-01T00:00:00Z"},
            },
        )
    )
    [record] = _CapturingSink.received
    assert record.get("_sdc_deleted_at"), SDK_CHANGED + f"deletion marker dropped: {record}"
