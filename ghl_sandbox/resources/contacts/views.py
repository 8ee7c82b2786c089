"""The three shapes HighLevel returns a contact in.

The same contact looks different per endpoint: search returns the ``Contact`` schema
(``address``, ``businessName``, a ``searchAfter`` cursor; and no ``dndSettings``, which
developers report missing from search results, highlevel-api-docs#43), ``GET
/contacts/{id}`` returns ``GetContectByIdSchema`` (``address1``, ``name``, lower-cased
name fields, attribution), and the deprecated list returns the much thinner
``ContactsSearchSchema``. Each view copies only what its spec schema declares, so the
contract tests can prove the sandbox never invents a field.
"""

from __future__ import annotations

from typing import Any

from ghl_sandbox.clock import ms_to_iso
from ghl_sandbox.model.store import StoredContact


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _full_name(f: dict[str, Any]) -> str | None:
    name = " ".join(part for part in (f.get("firstName"), f.get("lastName")) if part)
    return name or None


def search_view(contact: StoredContact, search_after: list[Any]) -> dict[str, Any]:
    """``Contact`` of ``SearchContactSuccessResponseDto`` (contacts spec @ de87e88)."""
    f = contact.fields
    body = {
        "id": contact.id,
        "phoneLabel": f.get("phoneLabel"),
        "country": f.get("country"),
        "address": f.get("address1"),
        "source": f.get("source"),
        "type": f.get("type"),
        "locationId": contact.location_id,
        "dnd": f.get("dnd"),
        "state": f.get("state"),
        "businessName": f.get("businessName"),
        "customFields": f.get("customFields", []),
        "tags": f.get("tags", []),
        "dateAdded": ms_to_iso(contact.added_ms),
        "additionalEmails": f.get("additionalEmails", []),
        "phone": f.get("phone"),
        "companyName": f.get("companyName"),
        "additionalPhones": f.get("additionalPhones", []),
        "dateUpdated": ms_to_iso(contact.updated_ms),
        "city": f.get("city"),
        "dateOfBirth": f.get("dateOfBirth"),
        "firstName": f.get("firstName"),
        "lastName": f.get("lastName"),
        "firstNameLowerCase": _lower(f.get("firstName")),
        "lastNameLowerCase": _lower(f.get("lastName")),
        "email": f.get("email"),
        "assignedTo": f.get("assignedTo"),
        "followers": f.get("followers", []),
        "validEmail": f.get("validEmail"),
        "opportunities": f.get("opportunities", []),
        "postalCode": f.get("postalCode"),
        "businessId": f.get("businessId"),
        "searchAfter": search_after,
    }
    return {k: v for k, v in body.items() if v is not None}


def detail_view(contact: StoredContact) -> dict[str, Any]:
    """``GetContectByIdSchema`` (sic), returned by ``GET /contacts/{contactId}``."""
    f = contact.fields
    last_activity = f.get("lastActivity")
    body = {
        "id": contact.id,
        "name": _full_name(f),
        "locationId": contact.location_id,
        "firstName": f.get("firstName"),
        "lastName": f.get("lastName"),
        "email": f.get("email"),
        "emailLowerCase": _lower(f.get("email")),
        "timezone": f.get("timezone"),
        "companyName": f.get("companyName"),
        "phone": f.get("phone"),
        "dnd": f.get("dnd"),
        "dndSettings": f.get("dndSettings"),
        "type": f.get("type"),
        "source": f.get("source"),
        "assignedTo": f.get("assignedTo"),
        "address1": f.get("address1"),
        "city": f.get("city"),
        "state": f.get("state"),
        "country": f.get("country"),
        "postalCode": f.get("postalCode"),
        "website": f.get("website"),
        "tags": f.get("tags", []),
        "dateOfBirth": f.get("dateOfBirth"),
        "dateAdded": ms_to_iso(contact.added_ms),
        "dateUpdated": ms_to_iso(contact.updated_ms),
        "firstNameLowerCase": _lower(f.get("firstName")),
        "fullNameLowerCase": _lower(_full_name(f)),
        "lastNameLowerCase": _lower(f.get("lastName")),
        "lastActivity": ms_to_iso(last_activity) if isinstance(last_activity, int) else None,
        "customFields": f.get("customFields", []),
        "businessId": f.get("businessId"),
        "attributionSource": f.get("attributionSource"),
    }
    return {k: v for k, v in body.items() if v is not None}


def list_view(contact: StoredContact) -> dict[str, Any]:
    """``ContactsSearchSchema``, returned by the deprecated ``GET /contacts/``."""
    f = contact.fields
    attribution = f.get("attributionSource")
    body = {
        "id": contact.id,
        "locationId": contact.location_id,
        "email": f.get("email"),
        "timezone": f.get("timezone"),
        "country": f.get("country"),
        "source": f.get("source"),
        "dateAdded": ms_to_iso(contact.added_ms),
        "customFields": f.get("customFields", []),
        "tags": f.get("tags", []),
        "businessId": f.get("businessId"),
        "attributions": [attribution] if attribution else [],
        "followers": f.get("followers", []),
    }
    return {k: v for k, v in body.items() if v is not None}


def created_view(contact: StoredContact) -> dict[str, Any]:
    """``CreateContactSchema``, returned by ``POST /contacts/`` (201).

    ``dateOfBirth`` comes back as a full instant here (the spec's example), unlike the
    ``YYYY-MM-DD`` of the other views.
    """
    f = contact.fields
    dob = f.get("dateOfBirth")
    body = {
        "id": contact.id,
        "dateAdded": ms_to_iso(contact.added_ms),
        "dateUpdated": ms_to_iso(contact.updated_ms),
        "deleted": False,
        "tags": f.get("tags", []),
        "type": f.get("type"),
        "customFields": f.get("customFields", []),
        "locationId": contact.location_id,
        "firstName": f.get("firstName"),
        "firstNameLowerCase": _lower(f.get("firstName")),
        "fullNameLowerCase": _lower(_full_name(f)),
        "lastName": f.get("lastName"),
        "lastNameLowerCase": _lower(f.get("lastName")),
        "email": f.get("email"),
        "emailLowerCase": _lower(f.get("email")),
        "dnd": f.get("dnd"),
        "dndSettings": f.get("dndSettings"),
        "phone": f.get("phone"),
        "address1": f.get("address1"),
        "city": f.get("city"),
        "state": f.get("state"),
        "country": f.get("country"),
        "postalCode": f.get("postalCode"),
        "website": f.get("website"),
        "source": f.get("source"),
        "companyName": f.get("companyName"),
        "dateOfBirth": f"{dob}T00:00:00.000Z" if isinstance(dob, str) else None,
        "businessId": f.get("businessId"),
        "assignedTo": f.get("assignedTo"),
    }
    return {k: v for k, v in body.items() if v is not None}
