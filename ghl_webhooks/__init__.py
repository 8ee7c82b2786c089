"""The HighLevel webhook receiver (``ghl-webhooks serve``) and its spool.

Public names the tap builds on: ``Spool.open(path_or_url).read_since(seq, limit)`` returning
``SpooledEvent`` rows in ``seq`` order (``ghl_webhooks.spool``), and the event kinds in
``ghl_webhooks.events``. See docs/webhooks.md.
"""

from ghl_webhooks.spool import Spool, SpooledEvent

__all__ = ["Spool", "SpooledEvent"]
