"""Full passes: how records deleted in HighLevel leave the warehouse.

HighLevel has no feed of deleted records, so a stream that must retire them re-reads
everything now and then (a "full pass"). Every record of the pass carries the pass
version, and only when the pass has read everything does the stream write
ACTIVATE_VERSION(version): the target (MeltanoLabs target-postgres) then marks deleted, or
deletes, every row of that stream with an older or no version. A pass cut short by a kill
or a daily-budget stop writes no ACTIVATE_VERSION, so it marks nothing deleted; the next
run starts a new pass. (singer-sdk's own ACTIVATE_VERSION comes at the START of a
FULL_TABLE sync, which with target-postgres marks every row deleted until it is re-sent:
an interrupted run would leave live rows marked deleted. So it is switched off here.)

Whether a run does a full pass is decided once, by the ReadSession: when the stream's last
complete pass (``last_full_pass_at`` in its STATE, written right after its
ACTIVATE_VERSION) is older than ``full_pass_interval_hours`` (0: every run), and only if
``emit_activate_version_messages`` is on (the default for this tap).

How a stream opts in:

1. Put ``FullPass`` before ``GHLStream`` in its bases.
2. At the start of its sync (or of each sync, for a child stream) call
   ``self.begin_full_pass()``: it returns the version (or None on an incremental run)
   and stamps every record written from then on. A stream whose pass is driven by
   another stream's (business_contacts by contacts) sets ``full_pass_follows``.
3. When the pass has read everything, call ``self.complete_full_pass()``: it writes
   ACTIVATE_VERSION and records the time. Never call it after an error.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tap_ghl import sdk_compat
from tap_ghl.streams.base import GHLStream

#: STATE key holding the ISO time of the stream's last complete pass.
LAST_FULL_PASS_KEY = "last_full_pass_at"


def activate_versions_enabled(config: Any) -> bool:
    """This tap's default for ``emit_activate_version_messages`` is true (deletes need it)."""
    return bool(config.get("emit_activate_version_messages", True))


class FullPass(GHLStream):
    """A stream that can re-read everything and then retire what it did not see."""

    #: The stream whose pass decision this one shares (None: its own).
    full_pass_follows: ClassVar[str | None] = None

    @property
    def emit_activate_version_messages(self) -> bool:
        # singer-sdk's start-of-sync ACTIVATE_VERSION stays off; see the module docstring.
        return False

    @property
    def full_pass_version(self) -> int | None:
        """This run's pass version, or None when the run is incremental for this stream."""
        decider = self.full_pass_follows or self.name
        last = self.tap_state.get("bookmarks", {}).get(decider, {}).get(LAST_FULL_PASS_KEY)
        return self.read_session.full_pass_version(decider, last)

    def begin_full_pass(self) -> int | None:
        version = self.full_pass_version
        sdk_compat.stamp_records_with_version(self, version)
        return version

    def complete_full_pass(self) -> None:
        """ACTIVATE_VERSION for this run's pass, then its time in STATE (in that order)."""
        version = self.full_pass_version
        if version is None:
            return
        sdk_compat.write_activate_version(self, version)
        started = self.read_session.full_pass_policy.started_at
        self.stream_state[LAST_FULL_PASS_KEY] = started.isoformat(timespec="seconds")
        sdk_compat.write_state_now(self)
