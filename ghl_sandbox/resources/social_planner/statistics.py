"""Numbers for ``POST /social-media-posting/statistics``, derived, not stored.

HighLevel reports "the last 7 days with comparison to the previous 7 days" and the
figures move every day. The sandbox draws each (account, day) from a generator seeded by
(seed, location, profile id, that UTC day), so a response is identical all day for the
same request, consecutive days overlap consistently (yesterday's Tuesday is today's
Tuesday), and selecting two accounts gives the sum of selecting each. Account size comes
from its ``AudienceProfile``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import Any

from ghl_sandbox.model.social import SocialAccount

DAY_MS = 86_400_000
WINDOW_DAYS = 7
AGE_BUCKETS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_WEIGHTS = (0.02, 0.17, 0.3, 0.24, 0.14, 0.08, 0.05)
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class DayMetrics:
    posts: int
    impressions: int
    reach: int
    likes: int
    comments: int
    shares: int
    followers: int


def _day(seed: int, location_id: str, account: SocialAccount, day: int) -> DayMetrics:
    rng = random.Random(f"ghl-sandbox:{seed}:stats:{location_id}:{account.profile_id}:{day}")
    audience = account.audience
    rate = audience.posts_per_week / 7
    posts = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
    organic = int(audience.followers * rng.uniform(0.002, 0.02))
    impressions = organic + int(posts * audience.impressions_per_post * rng.uniform(0.5, 1.5))
    engaged = impressions * audience.engagement_rate * rng.uniform(0.6, 1.4)
    # Followers grow slowly and deterministically with the day number.
    followers = audience.followers + (day % 3650) // 3 + int(rng.random() * 5)
    return DayMetrics(
        posts=posts,
        impressions=impressions,
        reach=int(impressions * rng.uniform(0.55, 0.85)),
        likes=int(engaged * 0.7),
        comments=int(engaged * 0.2),
        shares=int(engaged * 0.1),
        followers=followers,
    )


def _change(current: float, previous: float) -> float:
    """Percent change vs the previous window, 0 when there is nothing to compare with."""
    if previous == 0:
        return 0 if current == 0 else 100
    return round((current - previous) / previous * 100, 2)


def build(
    seed: int, location_id: str, accounts: Iterable[SocialAccount], now_ms: int
) -> dict[str, Any]:
    """The spec's ``results`` object for the 7 UTC days ending today, vs the 7 before."""
    today = now_ms // DAY_MS
    days = list(range(today - WINDOW_DAYS + 1, today + 1))
    previous_days = [d - WINDOW_DAYS for d in days]
    per_platform: dict[str, list[DayMetrics]] = {}
    per_platform_prev: dict[str, list[DayMetrics]] = {}
    for account in accounts:
        current = [_day(seed, location_id, account, d) for d in days]
        previous = [_day(seed, location_id, account, d) for d in previous_days]
        if account.platform in per_platform:
            current = [
                _add(a, b) for a, b in zip(per_platform[account.platform], current, strict=True)
            ]
            previous = [
                _add(a, b)
                for a, b in zip(per_platform_prev[account.platform], previous, strict=True)
            ]
        per_platform[account.platform] = current
        per_platform_prev[account.platform] = previous

    def series(platform: str, name: str) -> list[int]:
        return [getattr(m, name) for m in per_platform[platform]]

    def total(platform: str, name: str, prev: bool = False) -> int:
        source = per_platform_prev if prev else per_platform
        if name == "followers":
            return getattr(source[platform][-1], name)
        return sum(getattr(m, name) for m in source[platform])

    platforms = list(per_platform)

    def daily_sum(name: str) -> list[int]:
        return [sum(series(p, name)[i] for p in platforms) for i in range(WINDOW_DAYS)]

    def breakdown(name: str) -> dict[str, Any]:
        now_total = sum(total(p, name) for p in platforms)
        prev_total = sum(total(p, name, prev=True) for p in platforms)
        return {
            "total": now_total,
            "totalChange": _change(now_total, prev_total),
            "platforms": {
                p: {
                    "value": total(p, name),
                    "change": _change(total(p, name), total(p, name, True)),
                }
                for p in platforms
            },
        }

    def engagement(platform: str) -> dict[str, Any]:
        now_sum = sum(total(platform, k) for k in ("likes", "comments", "shares"))
        prev_sum = sum(total(platform, k, True) for k in ("likes", "comments", "shares"))
        return {
            "likes": total(platform, "likes"),
            "comments": total(platform, "comments"),
            "shares": total(platform, "shares"),
            "change": _change(now_sum, prev_sum),
        }

    def platform_totals(name: str) -> dict[str, Any]:
        return {p: {"total": total(p, name), "series": series(p, name)} for p in platforms}

    followers = sum(total(p, "followers") for p in platforms)
    return {
        "dayRange": [DAY_NAMES[time.gmtime(d * 86_400).tm_wday] for d in days],
        "totals": {
            "posts": sum(total(p, "posts") for p in platforms),
            "likes": sum(total(p, "likes") for p in platforms),
            "followers": followers,
            "impressions": sum(total(p, "impressions") for p in platforms),
            "comments": sum(total(p, "comments") for p in platforms),
        },
        "postPerformance": {
            "posts": {p: series(p, "posts") for p in platforms},
            "impressions": daily_sum("impressions"),
            "likes": daily_sum("likes"),
            "comments": daily_sum("comments"),
        },
        "breakdowns": {
            "posts": breakdown("posts"),
            "impressions": breakdown("impressions"),
            "reach": breakdown("reach"),
            "engagement": {p: engagement(p) for p in platforms},
        },
        "platformTotals": {
            "impressions": platform_totals("impressions"),
            "followers": platform_totals("followers"),
            "likes": platform_totals("likes"),
        },
        "demographics": _demographics(seed, location_id, followers),
    }


def _add(a: DayMetrics, b: DayMetrics) -> DayMetrics:
    return DayMetrics(*(x + y for x, y in zip(astuple(a), astuple(b), strict=True)))


def _demographics(seed: int, location_id: str, followers: int) -> dict[str, Any]:
    rng = random.Random(f"ghl-sandbox:{seed}:demographics:{location_id}")
    female_share = rng.uniform(0.4, 0.62)
    unknown_share = rng.uniform(0.02, 0.08)
    female = int(followers * female_share)
    unknown = int(followers * unknown_share)
    male = followers - female - unknown

    def share(part: int) -> float:
        return round(part / followers * 100, 2) if followers else 0

    ages: dict[str, int] = {}
    remaining = followers
    for bucket, weight in zip(AGE_BUCKETS[:-1], AGE_WEIGHTS[:-1], strict=True):
        ages[bucket] = min(remaining, int(followers * weight))
        remaining -= ages[bucket]
    ages[AGE_BUCKETS[-1]] = remaining
    return {
        "gender": {
            "totals": {
                "male": {"total": male, "percentage": share(male)},
                "female": {"total": female, "percentage": share(female)},
                "unknown": {"total": unknown, "percentage": share(unknown)},
            }
        },
        "age": {"totals": ages},
    }
