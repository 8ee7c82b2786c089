"""A read timeout, at the API layer: the CLI's read timeout is 60 s with no setting, so the
fault is driven through ``build_client`` with a short one (the same client the tap uses).

A read is sent again; a write that timed out may have been applied, so it is not re-sent
(``OutcomeUnknown``) and the sandbox shows it was created exactly once.
"""

from __future__ import annotations

import pytest

from ghl_api.errors import OutcomeUnknown
from ghl_api.settings import build_client
from tests.faults.conftest import pit_config


def _client(sandbox):
    return build_client(
        pit_config(sandbox), user_agent="faults", timeout=(5.0, 1.0), backoff_base_s=0.01
    )


def test_read_timeout_on_a_read_is_retried(fault_sandbox, sb_admin) -> None:
    sb_admin.post("faults", {"path": "^/contacts/search", "kind": "slow", "delay_ms": 3000})
    location = fault_sandbox.credentials["location_id"]
    body = {"locationId": location, "pageLimit": 100}
    client = _client(fault_sandbox)
    contacts = client.request("POST", "/contacts/search", json=body, idempotent=True).json()
    assert len(contacts["contacts"]) == 100
    assert client.stats["retries"] == 1
    assert sb_admin.stats()["faults_fired"] == 1


def test_read_timeout_on_a_write_is_not_resent(fault_sandbox, sb_admin) -> None:
    sb_admin.post(
        "faults",
        {
            "method": "POST",
            "path": "^/contacts/$",
            "kind": "slow",
            "delay_ms": 3000,
            "after_processing": True,
        },
    )
    location = fault_sandbox.credentials["location_id"]
    client = _client(fault_sandbox)
    with pytest.raises(OutcomeUnknown, match="may or may not have been applied"):
        client.request(
            "POST", "/contacts/", json={"locationId": location, "email": "slow@example.com"}
        )
    assert sb_admin.stats()["creates"]["contacts"] == 1
    assert client.stats["requests"] == 1
