"""Announcements as a searchable type: fresh news first, older news fades."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time

from django.utils.translation import gettext_lazy as _

from search.documents import page_changed_since, page_fields, single
from search.registry import Ranking, SearchableType, register
from search.schema import SearchDocument
from segments import policy

from .models import AnnouncementPage

ANNOUNCEMENT = "announcement"


def build_announcement(page) -> SearchDocument | None:
    if not page.live or page.expired:
        return None
    fields = page_fields(page)
    if page.date:  # an announcement's editorial date
        fields["published"] = datetime.combine(page.date, time.min, tzinfo=UTC)
    return SearchDocument(
        id=f"{ANNOUNCEMENT}:{page.pk}", type=ANNOUNCEMENT, **fields, promoted=page.pinned
    )


#: Freshness: news loses weight with age (half-life-like decay over FRESH_DAYS), down to
#: FRESH_FLOOR.
FRESH_DAYS = 90.0
FRESH_FLOOR = 0.6


def announcement_factors(document, profile, now):
    moment = document.published or document.updated
    if moment is None:
        return []
    age = max(0.0, (now - moment).total_seconds() / 86400)
    fresh = FRESH_FLOOR + (1 - FRESH_FLOOR) * math.exp(-age / FRESH_DAYS)
    return [(_("freshness"), fresh)]


register(
    SearchableType(
        key=ANNOUNCEMENT,
        label=_("Announcement"),
        plural=_("Announcements"),
        aliases=("announcements", "news", "update", "updates"),
        model=AnnouncementPage,
        queryset=lambda: AnnouncementPage.objects.select_related("locale").prefetch_related(
            "segments"
        ),
        build=single(build_announcement),
        indexable=lambda queryset: queryset.live(),
        changed_since=page_changed_since,
        targeting=lambda segment: AnnouncementPage.objects.filter(segments=segment).values_list(
            "pk", flat=True
        ),
        pages=True,
        visible=lambda user: policy.visible_to(AnnouncementPage.objects.live(), user),
        fallback=lambda user: policy.visible_to(AnnouncementPage.objects.live(), user),
        ranking=Ranking(weights={"similar": 0.7}, factors=announcement_factors),
        suggest_rank=2,
    )
)
