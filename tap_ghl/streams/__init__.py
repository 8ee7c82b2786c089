"""The tap's streams, one module per HighLevel resource."""

from tap_ghl.streams.appointments import APPOINTMENT_SETTINGS, AppointmentsStream
from tap_ghl.streams.business_contacts import BusinessContactsStream
from tap_ghl.streams.contact_children import NotesStream
from tap_ghl.streams.contacts import ContactsStream
from tap_ghl.streams.lookups import LOOKUP_STREAM_TYPES
from tap_ghl.streams.social_planner import SocialStatisticsStream, SocialTagsStream
from tap_ghl.streams.tasks import TASK_SETTINGS, TasksStream
from tap_ghl.streams.webhook_events import WebhookEventsStream
from tap_ghl.streams.webhook_refresh import declare_deleted_at

#: In sync order: contacts first, so business_contacts can use the businesses it saw.
STREAM_TYPES = [
    ContactsStream,
    TasksStream,
    NotesStream,
    AppointmentsStream,
    BusinessContactsStream,
    SocialTagsStream,
    SocialStatisticsStream,
    *LOOKUP_STREAM_TYPES,
    WebhookEventsStream,  # last: its refreshes write through the streams above
]
declare_deleted_at(STREAM_TYPES)  # deletes from webhooks are records with _sdc_deleted_at

#: Settings of the location-wide streams, declared beside the streams that read them.
LOCATION_WIDE_SETTINGS = [*TASK_SETTINGS, *APPOINTMENT_SETTINGS]

__all__ = ["LOCATION_WIDE_SETTINGS", "STREAM_TYPES"]
