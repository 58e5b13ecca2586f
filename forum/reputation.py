"""Reputation and badges: what a member earned from the community's votes and accepts.

Points (``FORUM_REPUTATION``) for votes received on published questions and answers and
for accepted answers; never below zero. Badges mark milestones (``BADGES``), computed from
the same counts — nothing is stored, so they follow votes taken back and posts hidden.

``standings_for(ids)`` computes every member of a page at once (three grouped queries),
so lists and question pages show each author's reputation without a query per name; the
counts are kept in the shared cache under the anonymous page cache's generation
(``core.pagecache``), which every vote, post, accept and moderation moves on — a warm
page costs one cache read and no query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core import fragments, pagecache

from . import conf
from .models import Answer, AnswerVote, QuestionVote


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    description: str


@dataclass
class Standing:
    reputation: int = 0
    upvotes: int = 0
    accepted: int = 0
    badges: list[Badge] = field(default_factory=list)


#: ``(badge, test)``: a member holds the badge when ``test(upvotes, accepted)`` is true.
BADGES = [
    (
        Badge("solver", _("Solver"), _("Had a first answer accepted")),
        lambda upvotes, accepted: accepted >= 1,
    ),
    (
        Badge("helpful", _("Helpful"), _("Received 10 upvotes")),
        lambda upvotes, accepted: upvotes >= 10,
    ),
    (
        Badge("expert", _("Expert"), _("Had 10 answers accepted")),
        lambda upvotes, accepted: accepted >= 10,
    ),
    (
        Badge("trusted-voice", _("Trusted voice"), _("Received 50 upvotes")),
        lambda upvotes, accepted: upvotes >= 50,
    ),
]

_PUBLISHED = {"is_hidden": False, "awaiting_review": False}
CACHE_SECONDS = 600


def _standing(reputation: int, upvotes: int, accepted: int) -> Standing:
    return Standing(
        reputation=reputation,
        upvotes=upvotes,
        accepted=accepted,
        badges=[badge for badge, test in BADGES if test(upvotes, accepted)],
    )


def standings_for(user_ids: Iterable[int | None]) -> dict[int, Standing]:
    ids = sorted({pk for pk in user_ids if pk})
    if not ids:
        return {}
    try:
        generation = fragments.generation(pagecache.GENERATION_KEY)
        keys = {pk: f"forum:standing:{generation}:{pk}" for pk in ids}
        found = cache.get_many(list(keys.values()))
    except Exception:  # the cache is not answering: compute, as without one
        keys, found = {}, {}
    result = {pk: _standing(*found[keys[pk]]) for pk in ids if keys.get(pk) in found}
    missing = [pk for pk in ids if pk not in result]
    if missing:
        computed = _compute(missing)
        result.update(computed)
        if keys:
            values = {
                keys[pk]: (item.reputation, item.upvotes, item.accepted)
                for pk, item in computed.items()
            }
            with suppress(Exception):
                cache.set_many(values, CACHE_SECONDS)
    return result


def _compute(ids: list[int]) -> dict[int, Standing]:
    points = conf.get("FORUM_REPUTATION")
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    votes = {"up": Count("pk", filter=Q(value=1)), "down": Count("pk", filter=Q(value=-1))}
    answer_votes = (
        AnswerVote.objects.filter(
            answer__author_id__in=ids, **{f"answer__{k}": v for k, v in _PUBLISHED.items()}
        )
        .values("answer__author_id")
        .annotate(**votes)
    )
    for row in answer_votes:
        counts[row["answer__author_id"]]["answer_up"] = row["up"]
        counts[row["answer__author_id"]]["answer_down"] = row["down"]
    question_votes = (
        QuestionVote.objects.filter(
            question__author_id__in=ids, **{f"question__{k}": v for k, v in _PUBLISHED.items()}
        )
        .values("question__author_id")
        .annotate(**votes)
    )
    for row in question_votes:
        counts[row["question__author_id"]]["question_up"] = row["up"]
        counts[row["question__author_id"]]["question_down"] = row["down"]
    accepted = (
        Answer.objects.filter(author_id__in=ids, is_accepted=True, **_PUBLISHED)
        .values("author_id")
        .annotate(n=Count("pk"))
    )
    for row in accepted:
        counts[row["author_id"]]["accepted"] = row["n"]
    result = {}
    for pk in ids:
        found = counts.get(pk, {})
        total = (
            found.get("answer_up", 0) * points.get("answer_upvote", 0)
            + found.get("answer_down", 0) * points.get("answer_downvote", 0)
            + found.get("question_up", 0) * points.get("question_upvote", 0)
            + found.get("question_down", 0) * points.get("question_downvote", 0)
            + found.get("accepted", 0) * points.get("accepted_answer", 0)
        )
        upvotes = found.get("answer_up", 0) + found.get("question_up", 0)
        n_accepted = found.get("accepted", 0)
        result[pk] = _standing(max(0, total), upvotes, n_accepted)
    return result


def standing(user) -> Standing:
    return standings_for([user.pk]).get(user.pk) or Standing()


def reputation(user) -> int:
    return standing(user).reputation


def annotate(posts: Iterable) -> None:
    """Set ``author_standing`` on each post (question, answer, comment) for its author."""
    posts = list(posts)
    standings = standings_for(post.author_id for post in posts)
    for post in posts:
        post.author_standing = standings.get(post.author_id)
