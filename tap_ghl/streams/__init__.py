"""The tap's streams, one module per HighLevel resource."""

from tap_ghl.streams.contacts import ContactsStream

STREAM_TYPES = [ContactsStream]

__all__ = ["STREAM_TYPES", "ContactsStream"]
