"""What the editors' dashboard lists: search log rows, "Was this helpful?" answers, stale
articles and unanswered community questions."""

import itertools
import uuid
from datetime import timedelta

from django.utils import timezone

from kb.models import ArticlePage, HelpfulVote
from search.models import SearchClick, SearchLog

_sessions = itertools.count(1)


def make_search_logs(query, *, count=1, results=0, clicks=0, language="en", days_ago=1):
    """``count`` first-page searches for ``query``; the first ``clicks`` of them opened a
    result."""
    at = timezone.now() - timedelta(days=days_ago)
    logs = [
        SearchLog.objects.create(
            uid=uuid.uuid4(),
            created_at=at,
            source=SearchLog.Source.PAGE,
            query=query,
            normalized=query.lower(),
            language=language,
            result_count=results,
            session_key=f"visitor-{next(_sessions)}",
        )
        for _ in range(count)
    ]
    for log in logs[:clicks]:
        SearchClick.objects.create(search=log, rank=1, item="article:1")
    return logs


def make_helpful_votes(article, *, yes=0, no=0):
    for helpful, n in ((True, yes), (False, no)):
        for _ in range(n):
            HelpfulVote.objects.create(
                article=article, helpful=helpful, session_key=f"session-{next(_sessions)}"
            )


def make_stale(article, *, days=400):
    """Pretend ``article`` was last published and revised ``days`` ago."""
    at = timezone.now() - timedelta(days=days)
    ArticlePage.objects.filter(pk=article.pk).update(
        first_published_at=at, last_published_at=at, latest_revision_created_at=at
    )
    article.refresh_from_db()
    return article


def make_unanswered_question(author, product, *, title, hours=72, language="en", **kwargs):
    from forum import services
    from forum.models import Question

    question = services.ask_question(
        author,
        title=title,
        body="Nobody has answered this yet, but somebody should.",
        product=product,
        tags="webhooks",
        enforce_limits=False,
        notify=False,
        language=language,
        **kwargs,
    )
    Question.objects.filter(pk=question.pk).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )
    return question
