"""The one place target-ghl reaches into singer-sdk's private Target internals, and why.

target-ghl emits each STATE as soon as everything before it is written, so a killed run
replays at most the records after its last STATE. singer-sdk 0.54 emits STATE only when
it drains all sinks, which happens every 5 minutes of records or at the end of the pipe
(reference: shared/reference/singer-sdk.md §7.12). No public hook serves:

- no public method is called when a STATE message arrives (``Target`` dispatches it to
  ``_process_state_message``), so draining on STATE needs that override;
- ``drain_all`` is public, but it always emits ``_latest_state``; holding a STATE back
  while a task still waits for its contact means hiding that attribute for one drain.

Both rely on: ``_process_state_message(message_dict)`` storing the new value in
``_latest_state`` (and ignoring an unchanged one), and ``drain_all`` writing
``_latest_state`` when it is set. ``tests/target/test_sdk_compat.py`` fails when either
changes, so an SDK upgrade cannot break STATE timing silently.
"""

from __future__ import annotations

from singer_sdk import Target


class DrainOnStateTarget(Target):
    """A Target that drains (and so emits STATE) whenever a new STATE arrives."""

    def _process_state_message(self, message_dict: dict) -> None:
        previous = self._latest_state
        super()._process_state_message(message_dict)
        if self._latest_state != previous:
            self.drain_all()

    def drain_holding_state_back(self, *, is_endofpipe: bool = False) -> None:
        """Drain every sink but emit no STATE; the latest one is kept for a later drain."""
        latest, self._latest_state = self._latest_state, None
        try:
            super().drain_all(is_endofpipe=is_endofpipe)
        finally:
            self._latest_state = latest
