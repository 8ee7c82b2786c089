"""One sink per HighLevel object the target writes; see ``SINKS`` for the stream names."""

from target_ghl.sinks.contacts import ContactsSink
from target_ghl.sinks.notes import NotesSink
from target_ghl.sinks.tags import TagsSink
from target_ghl.sinks.tasks import TasksSink

SINKS = {"contacts": ContactsSink, "tasks": TasksSink, "notes": NotesSink, "tags": TagsSink}

__all__ = ["SINKS"]
