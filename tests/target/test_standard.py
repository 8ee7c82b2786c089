"""singer-sdk's standard target tests, run against target-ghl and a live sandbox.

The suite's input files use streams such as ``TestCamelcase`` and ``test_array_data``,
none of which is a HighLevel object. ``unknown_streams: ignore`` (a documented setting)
routes them to the counting sink, so what the suite checks here is the target's message
handling: SCHEMA/RECORD/STATE order, STATE relaying (target-ghl's own STATE timing, see
``target_ghl.sdk_compat``), missing key properties, records before their schema, invalid
schemas and the CLI. Every test of the suite runs; none is excluded. The HighLevel writes
themselves are covered by the other modules of this package.

The SDK builds its ``runner`` fixture from a config fixed at class creation; the sandbox's
address is only known once it runs, so ``runner`` is overridden to point at it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from singer_sdk.testing import TargetTestRunner, get_target_test_class

from ghl_sandbox.server import SandboxServer
from target_ghl.target import TargetGHL
from tests.target.conftest import location_config

_StandardTargetTests = get_target_test_class(TargetGHL, config={})


class TestTargetGHLStandard(_StandardTargetTests):  # type: ignore[misc,valid-type]
    @pytest.fixture
    def runner(self, sandbox: SandboxServer, tmp_path: Path) -> TargetTestRunner:
        config = location_config(sandbox, 0, tmp_path, unknown_streams="ignore")
        return TargetTestRunner(target_class=TargetGHL, config=config)
