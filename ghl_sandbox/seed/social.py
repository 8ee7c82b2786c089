"""Deterministic Social Planner data: connected accounts, one account group, post tags.

A handful of accounts across platforms is what a typical sub-account connects; ~25 tags
are enough for several ``skip``/``limit`` pages. Tag stamps are spread over the data
window (some edited after creation, a few soft-deleted) so incremental consumers see
``updatedAt`` differ from ``createdAt``.
"""

from __future__ import annotations

import random

from ghl_sandbox.identifiers import new_id
from ghl_sandbox.model.social import AudienceProfile, SocialAccount, SocialGroup, SocialTag
from ghl_sandbox.model.store import Location

# (platform, account type, display-name suffix) — platforms from AccountsListResponseDTO.
PRIMARY_ACCOUNTS = (
    ("facebook", "page", "Facebook Page"),
    ("instagram", "business", "Instagram"),
    ("google", "location", "Google Business Profile"),
    ("linkedin", "page", "LinkedIn Page"),
)
EXTRA_LOCATION_ACCOUNTS = PRIMARY_ACCOUNTS[:1]
TAGS_PER_LOCATION = 25
EXTRA_LOCATION_TAGS = 3
TAG_WORDS = (
    "promo",
    "holiday",
    "testimonial",
    "behind-the-scenes",
    "tips",
    "new-service",
    "team",
    "event",
    "giveaway",
    "before-after",
    "faq",
    "seasonal",
    "blog",
    "video",
    "reel",
    "announcement",
    "community",
    "offer",
    "review",
    "education",
    "spring",
    "summer",
    "autumn",
    "winter",
    "launch",
    "webinar",
    "case-study",
)
DAY_MS = 86_400_000


def new_object_id(rng: random.Random) -> str:
    """A 24-hex-digit id, the Mongo ObjectId shape Social Planner uses for tags and profiles."""
    return f"{rng.getrandbits(96):024x}"


def seed_social(
    location: Location, rng: random.Random, primary: bool, window: tuple[int, int]
) -> None:
    """Fill a location's social accounts, their group and its post tags."""
    start_ms, end_ms = window
    specs = PRIMARY_ACCOUNTS if primary else EXTRA_LOCATION_ACCOUNTS
    for platform, kind, suffix in specs:
        oauth_id = new_id(rng)
        native = str(rng.randrange(10**19, 10**20))
        expired = platform == "linkedin"  # one expired token, as real accounts often have
        account = SocialAccount(
            id=f"{oauth_id}_{location.id}_{native}",
            oauth_id=oauth_id,
            profile_id=new_object_id(rng),
            name=f"{location.name} {suffix}",
            platform=platform,
            type=kind,
            expire_ms=end_ms - 30 * DAY_MS if expired else end_ms + 365 * DAY_MS,
            is_expired=expired,
            audience=AudienceProfile(
                followers=rng.randrange(150, 25_000),
                posts_per_week=round(rng.uniform(0.5, 10.0), 1),
                impressions_per_post=rng.randrange(80, 6_000),
                engagement_rate=round(rng.uniform(0.01, 0.09), 3),
            ),
            meta={"canDelete": True} if platform != "google" else {"hasGoogleUpdated": True},
        )
        location.social_accounts[account.id] = account
    location.social_groups = [
        SocialGroup(new_object_id(rng), "Primary", list(location.social_accounts))
    ]
    count = TAGS_PER_LOCATION if primary else EXTRA_LOCATION_TAGS
    users = location.user_ids
    for word in rng.sample(TAG_WORDS, count):
        created = start_ms + rng.randrange(end_ms - start_ms)
        updated = created if rng.random() < 0.5 else created + rng.randrange(end_ms - created)
        tag = SocialTag(
            id=new_object_id(rng),
            location_id=location.id,
            tag=word,
            created_by=users[rng.randrange(len(users))] if users else "",
            created_ms=created,
            updated_ms=updated,
            deleted=rng.random() < 0.12,
        )
        location.social_tags[tag.id] = tag
