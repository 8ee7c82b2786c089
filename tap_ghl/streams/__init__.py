"""The tap's streams, one module per HighLevel resource."""

from tap_ghl.streams.business_contacts import BusinessContactsStream
from tap_ghl.streams.contact_children import AppointmentsStream, NotesStream, TasksStream
from tap_ghl.streams.contacts import ContactsStream
from tap_ghl.streams.lookups import LOOKUP_STREAM_TYPES
from tap_ghl.streams.social_planner import SocialStatisticsStream, SocialTagsStream

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
]

__all__ = ["STREAM_TYPES"]
