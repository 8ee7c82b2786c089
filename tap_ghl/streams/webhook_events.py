"""webhook_events: the spooled HighLevel webhooks, and the refreshes they trigger.

``ghl-webhooks serve`` writes authentic events to a spool (SQLite file or PostgreSQL, see
docs/webhooks.md); ``webhook_spool`` points the tap at the same path or URL. The stream is
incremental on the spool's ``seq``: commit order is ``seq`` order, so reading from the
bookmark never skips an event that committed late.

Each batch of events is first turned into targeted refreshes (``webhook_refresh``: the
contacts, notes, tasks and appointments named, read again once each, or taken from the
payload; deletes marked ``_sdc_deleted_at``) and only then emitted, so the bookmark never
passes an event whose refresh was not written: a kill or a daily-budget stop in between
redoes the batch next run (refreshes are upserts). A run every minute therefore costs
about one request per record named, and nothing when there are no events.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from typing import Any, ClassVar

from singer_sdk import Stream
from singer_sdk import typing as th

from ghl_webhooks import Spool
from tap_ghl.session import ReadSession
from tap_ghl.streams.webhook_refresh import Refresher, RefreshPlan

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

#: Events read (and refreshed) per batch.
BATCH_SIZE = 500

WEBHOOK_SPOOL_SETTING = th.Property(
    "webhook_spool",
    th.StringType,
    title="Webhook spool",
    description=(
        "The spool `ghl-webhooks serve --spool` writes: a SQLite file path or a postgresql:// "
        "URL. Enables webhook_events and the targeted refreshes its events trigger."
    ),
)


class WebhookEventsStream(Stream):
    name = "webhook_events"
    primary_keys: ClassVar[list[str]] = ["webhook_id"]
    replication_key = "seq"
    is_sorted = True
    schema = th.PropertiesList(
        th.Property("seq", th.IntegerType, required=True),
        th.Property("webhook_id", th.StringType, required=True),
        th.Property("type", th.StringType),
        th.Property("location_id", th.StringType),
        th.Property("entity_id", th.StringType),
        th.Property("contact_id", th.StringType),
        th.Property("received_at", th.DateTimeType),
        th.Property("timestamp", th.DateTimeType),
        # The signed body, parsed (the spool keeps the exact bytes).
        th.Property("body", th.ObjectType(additional_properties=True)),
    ).to_dict()

    def __init__(self, *args: Any, session: ReadSession, **kwargs: Any) -> None:
        self.read_session = session
        self.owner = kwargs.get("tap") or args[0]
        super().__init__(*args, **kwargs)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        target = self.config.get("webhook_spool")
        if not target:
            self.logger.info("webhook_events: no webhook_spool configured; nothing to read")
            return
        # The bookmark itself: singer-sdk's starting value falls back to start_date.
        since = int(self.get_context_state(context).get("replication_key_value") or 0)
        refresher = Refresher(
            self.read_session.client, self.config["location_id"], self.owner.streams.get
        )
        events_read = 0
        with Spool.open(target) as spool:
            while batch := spool.read_since(since, BATCH_SIZE):
                plan = RefreshPlan(self.config["location_id"])
                for event in batch:
                    plan.add(event)
                refresher.run(plan)
                for event in batch:
                    yield event.as_json()
                events_read += len(batch)
                since = batch[-1].seq
        outcome = refresher.outcome
        self.logger.info(
            "webhook_events: %d events; refreshed %s, deleted %s, gone %s, not selected %s; "
            "%d requests",
            events_read,
            dict(outcome.written),
            dict(outcome.deleted),
            dict(outcome.gone),
            dict(outcome.skipped),
            outcome.requests,
        )
