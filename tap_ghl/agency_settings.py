"""The tap's agency settings: which locations a run over many locations reads, how many at once.

Registered in ``TAP_PROPERTIES`` with one line; validated by ``ghl_api.settings``
(``validate_agency``), so a wrong value is one line naming the key before any request.
"""

from __future__ import annotations

from singer_sdk import typing as th

#: Locations read at once by default: each is its own process with its own budget.
DEFAULT_MAX_PARALLEL_LOCATIONS = 4

AGENCY_SETTINGS = (
    th.Property(
        "company_id",
        th.StringType,
        title="Company ID",
        description=(
            "The agency (company) of a Company install. With it and no `location_id`, the tap "
            "reads every location the app is installed on, one process per location."
        ),
    ),
    th.Property(
        "app_id",
        th.StringType,
        title="App ID",
        description="The Marketplace app id (the client id before its dash), for listing "
        "installed locations.",
    ),
    th.Property(
        "location_ids",
        th.ArrayType(th.StringType),
        title="Location IDs",
        description="Read only these installed locations (default: every installed location).",
    ),
    th.Property(
        "max_parallel_locations",
        th.IntegerType(minimum=1),
        default=DEFAULT_MAX_PARALLEL_LOCATIONS,
        title="Max parallel locations",
        description="How many locations are read at once (each has its own 100 / 10 s budget).",
    ),
    th.Property(
        "location_tokens",
        th.ArrayType(
            th.ObjectType(
                th.Property("location_id", th.StringType, required=True),
                th.Property("token", th.StringType, required=True, secret=True),
            )
        ),
        title="Location tokens",
        description=(
            "Private Integration Tokens, one per location ({location_id, token}): read every "
            "listed location as an agency run does, without a Company install."
        ),
        secret=True,
    ),
)
