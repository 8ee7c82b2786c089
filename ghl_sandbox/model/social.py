"""Social Planner records of a location: connected accounts and post tags.

HighLevel's Social Planner lives in its own service with Mongo-style ids (``_id``,
24 hex digits) and ``createdAt``/``updatedAt`` stamps, unlike the CRM's 20-character ids,
so these records are kept apart from contacts. ``AudienceProfile`` is not an API object:
it is the per-account baseline the statistics endpoint derives its (deterministic) numbers
from, so the same account always looks like the same size of audience.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ghl_sandbox.clock import ms_to_iso


@dataclass(frozen=True, slots=True)
class AudienceProfile:
    """Baseline numbers of one social account, the inputs of ``POST /statistics``."""

    followers: int
    posts_per_week: float
    impressions_per_post: int
    engagement_rate: float  # likes+comments+shares per impression


@dataclass(slots=True)
class SocialAccount:
    """One connected account as ``GET /social-media-posting/{locationId}/accounts`` lists it.

    ``id`` follows the spec example ``<oauthId>_<locationId>_<platform-native id>``;
    ``profile_id`` is what ``POST /statistics`` takes in ``profileIds``.
    """

    id: str
    oauth_id: str
    profile_id: str
    name: str
    platform: str
    type: str
    expire_ms: int
    is_expired: bool
    audience: AudienceProfile
    meta: dict[str, Any] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "oauthId": self.oauth_id,
            "profileId": self.profile_id,
            "name": self.name,
            "platform": self.platform,
            "type": self.type,
            "expire": ms_to_iso(self.expire_ms),
            "isExpired": self.is_expired,
            "meta": dict(self.meta),
        }


@dataclass(slots=True)
class SocialTag:
    """A Social Planner post tag (``SocialMediaTagSchema``); ``deleted`` tags stay listed."""

    id: str
    location_id: str
    tag: str
    created_by: str
    created_ms: int
    updated_ms: int
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "tag": self.tag,
            "locationId": self.location_id,
            "createdBy": self.created_by,
            "deleted": self.deleted,
            "createdAt": ms_to_iso(self.created_ms),
            "updatedAt": ms_to_iso(self.updated_ms),
        }


@dataclass(slots=True)
class SocialGroup:
    """An account group (``results.groups`` of the accounts list)."""

    id: str
    name: str
    account_ids: list[str] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "accountIds": list(self.account_ids)}
