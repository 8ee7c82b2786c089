"""singer-sdk's standard tap tests, replayed from a vcrpy cassette.

The cassette was recorded from ghl-sandbox (set ``GHL_RECORD_CASSETTES=1`` to record it
again); on replay the tap points at a closed port, so any request the cassette does not
hold fails instead of reaching a network. Authorization headers and OAuth form fields
are filtered out when recording, and a test checks that no token is in the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import vcr
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_ghl.tap import TapGHL

CASSETTE = Path(__file__).parent.parent / "cassettes" / "tap_standard.yaml"
RECORDING = os.environ.get("GHL_RECORD_CASSETTES") == "1"

GHL_VCR = vcr.VCR(
    record_mode="all" if RECORDING else "none",
    filter_headers=["authorization"],
    filter_post_data_parameters=["client_id", "client_secret", "refresh_token"],
    # The sandbox's port differs per recording, so requests match without host/port.
    match_on=["method", "path", "query", "body"],
    decode_compressed_response=True,
)

# The config the cassette was recorded with, minus the token (and the live port).
CASSETTE_CONFIG = CASSETTE.with_suffix(".config.json")

if RECORDING:  # pragma: no cover - only when refreshing the cassette
    from tests.conftest import start_sandbox

    _server = start_sandbox(seed=42, contacts=12)
    _location = _server.state.location(_server.credentials["location_id"])
    _recorded = {
        "location_id": _server.credentials["location_id"],
        # Exercise the business_ids setting; the dry run reads only 5 contacts, which
        # need not include one with a business.
        "business_ids": sorted(
            {
                c.fields["businessId"]
                for c in _location.contacts.values()
                if c.fields.get("businessId")
            }
        )[:2],
        "start_date": "2020-01-01T00:00:00Z",
        "page_size": 5,
    }
    CASSETTE_CONFIG.write_text(json.dumps(_recorded, indent=2) + "\n")
    _config_values = {
        **_recorded,
        "api_url": _server.url,
        "access_token": _server.credentials["access_token"],
    }
else:
    _recorded = json.loads(CASSETTE_CONFIG.read_text()) if CASSETTE_CONFIG.exists() else {}
    _config_values = {
        "location_id": "not-recorded",
        **_recorded,
        "api_url": "http://127.0.0.1:9",  # nothing listens here: replay or fail
        "access_token": "pit-replay-only",
    }

_Base = get_tap_test_class(
    TapGHL, config=_config_values, suite_config=SuiteConfig(max_records_limit=5)
)


class TestTapGHLStandard(_Base):  # type: ignore[misc, valid-type]
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _cassette(cls):
        if not RECORDING and not CASSETTE.exists():
            pytest.fail(f"cassette {CASSETTE} is missing; record it with GHL_RECORD_CASSETTES=1")
        with GHL_VCR.use_cassette(str(CASSETTE), allow_playback_repeats=True):
            yield


def test_cassette_holds_no_secret() -> None:
    text = CASSETTE.read_text()
    assert "pit-" not in text and "pit-" not in CASSETTE_CONFIG.read_text()
    assert "Bearer" not in text
    assert "refresh_token" not in text and "client_secret" not in text
