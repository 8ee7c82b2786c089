"""The one place tap-ghl overrides singer-sdk beyond its public, overridable hooks.

``Tap.sync_all`` is marked ``@final`` in singer-sdk 0.54, but the tap must act when the
daily request budget runs out in the middle of a stream: write the STATE that covers the
records fully emitted so far, log the summary, and exit non-zero. No public hook runs
when a stream's sync raises (``Stream.sync`` is final as well and re-raises), so the
wrapper stays, here, and tests/tap/test_sdk_compat.py fails loudly if singer-sdk changes
what it relies on: ``sync_all`` taking no arguments and being what ``Tap.invoke`` runs,
and the public ``state_writer`` writing a STATE message. ``invoke`` (the CLI run, public)
is wrapped too, so any other ``GHLError`` ends a CLI run with its one line and exit code.
"""

from __future__ import annotations

import sys
from typing import Any

from singer_sdk import Tap

from ghl_api.errors import DailyLimitExhausted, GHLError


class StopsOnDailyLimit(Tap):
    """A Tap whose ``sync_all`` hands a daily-limit stop to ``daily_limit_reached``."""

    def sync_all(self) -> None:  # type: ignore[misc]  # final in singer-sdk; see above
        try:
            super().sync_all()
        except DailyLimitExhausted as exc:
            self.state_writer.write_state(self.state)
            self.daily_limit_reached(exc)
            return
        self.sync_finished()

    @classmethod
    def invoke(cls, **kwargs: Any) -> None:  # type: ignore[override]
        """The CLI run: a ``GHLError`` ends it with its one line and exit code, no traceback.

        (In-process callers of ``sync_all`` still get the exception; tests/faults checks
        the CLI.)
        """
        try:
            super().invoke(**kwargs)
        except GHLError as exc:
            cls.logger.error("%s", exc)
            sys.exit(exc.exit_code)

    def daily_limit_reached(self, exc: DailyLimitExhausted) -> None:
        raise exc

    def sync_finished(self) -> None:
        """Called after a sync that was not stopped; the default does nothing."""
