"""The README's custom-field SQL join, run as written against real PostgreSQL.

`meltano run tap-ghl target-postgres` loads contacts and custom_fields into a schema of
its own (its own state id, so the pipeline tests' bookmark is untouched); the query is
read from README.md, so the documented text is what is tested, and its rows must name
every custom-field value each sandbox contact holds.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from ghl_sandbox.server import SandboxServer
from tests.e2e.conftest import PROJECT_ROOT, Meltano, Postgres


def readme_join_sql() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Decoding a contact's custom fields in SQL", 1)[1]
    found = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert found, "README lost its custom-field SQL example"
    return found.group(1)


def as_text(value: Any) -> str:
    """What ``->>`` gives: strings bare, anything else as JSON text (jsonb's spacing)."""
    return value if isinstance(value, str) else json.dumps(value)


def expected_rows(server: SandboxServer) -> set[tuple[str, str, str]]:
    """(contact id, field name, value) for every custom-field value in the sandbox."""
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    names = {f.id: f.name for f in location.custom_fields}
    with server.state.lock:
        return {
            (contact.id, names[item["id"]], as_text(item["value"]))
            for contact in location.contacts.values()
            for item in contact.fields.get("customFields") or ()
        }


def test_readme_join_names_every_custom_field_value(
    meltano: Meltano, postgres: Postgres, pipeline_sandbox: SandboxServer
) -> None:
    schema = f"{postgres.schema}_join"
    meltano(
        "run",
        "--state-id-suffix",
        "lookup-join",
        "tap-ghl",
        "target-postgres",
        env={
            "TAP_GHL__SELECT": json.dumps(["contacts.*", "custom_fields.*"]),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
        },
        label="meltano run (contacts + custom_fields)",
    )
    expected = expected_rows(pipeline_sandbox)
    # The README's query names tables unqualified, as a user with the schema on the
    # search_path runs it; libpq's ``options`` sets that for this connection only.
    separator = "&" if "?" in postgres.url else "?"
    in_schema = Postgres(
        f"{postgres.url}{separator}options={quote('-csearch_path=' + schema)}", schema
    )
    rows = in_schema.query(readme_join_sql())
    found = {(contact_id, name, text) for contact_id, name, text in rows}
    assert found == expected
    assert len(rows) == len(expected) > 100
    assert len({name for _, name, _ in found}) == 8
