"""The knowledge base's part of the editors' dashboard: articles readers found
unhelpful, articles nobody has published again for ``KB_STALE_MONTHS`` months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ArticlePage, HelpfulVote

LIMIT = 20


@dataclass
class ArticleItem:
    article: ArticlePage
    yes: int = 0
    no: int = 0
    updated: object = None

    @property
    def language(self) -> str:
        return self.article.locale.language_code

    @property
    def edit_url(self) -> str:
        return reverse("wagtailadmin_pages:edit", args=[self.article.pk])

    @property
    def votes_url(self) -> str:
        return reverse("helpful_votes:index") + f"?article={self.article.pk}"


def months_before(when: dt.datetime, months: int) -> dt.datetime:
    """``when`` moved back ``months`` calendar months (the day clipped to the month's end)."""
    year, month = divmod(when.year * 12 + when.month - 1 - months, 12)
    month += 1
    days_in_month = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return when.replace(year=year, month=month, day=min(when.day, days_in_month))


def unhelpful_articles(limit: int = LIMIT) -> list[ArticleItem]:
    """Articles with more "No" than "Yes" answers to "Was this helpful?", most "No" first."""
    rows = (
        HelpfulVote.objects.values("article")
        .annotate(
            yes=Count("pk", filter=Q(helpful=True)),
            no=Count("pk", filter=Q(helpful=False)),
        )
        .filter(no__gt=0)
        .order_by("-no", "yes", "article")
    )
    rows = [row for row in rows if row["no"] > row["yes"]][:limit]
    articles = ArticlePage.objects.select_related("locale").in_bulk([r["article"] for r in rows])
    return [
        ArticleItem(article=articles[row["article"]], yes=row["yes"], no=row["no"])
        for row in rows
        if row["article"] in articles
    ]


def stale_articles(months: int | None = None, limit: int = LIMIT, now=None) -> list[ArticleItem]:
    """Live articles neither published nor revised in the last ``KB_STALE_MONTHS`` months,
    oldest first."""
    months = settings.KB_STALE_MONTHS if months is None else months
    cutoff = months_before(now or timezone.now(), months)
    epoch = timezone.make_aware(dt.datetime(1970, 1, 1))
    articles = (
        ArticlePage.objects.live()
        .select_related("locale")
        .annotate(
            touched=Greatest(
                Coalesce("last_published_at", "first_published_at", epoch),
                Coalesce("latest_revision_created_at", epoch),
            )
        )
        .filter(touched__lt=cutoff)
        .order_by("touched", "pk")[:limit]
    )
    return [ArticleItem(article=a, updated=a.touched) for a in articles]


def unhelpful_section(request):
    from core.editors import Section

    return Section(
        key="unhelpful",
        title=_("Articles readers found unhelpful"),
        description=_("More readers answered “No” than “Yes” to “Was this helpful?”."),
        template="kb/admin/editors/unhelpful.html",
        items=unhelpful_articles(),
        order=30,
        more_url=reverse("helpful_votes:index") + "?helpful=false",
        more_label=_("Read every answer"),
    )


def stale_section(request):
    from core.editors import Section

    months = settings.KB_STALE_MONTHS
    return Section(
        key="stale",
        title=_("Stale articles"),
        description=_(
            "Published articles nobody has changed in the last %(months)s months: check they "
            "are still right, then publish them again."
        )
        % {"months": months},
        template="kb/admin/editors/stale.html",
        items=stale_articles(months),
        order=40,
    )
