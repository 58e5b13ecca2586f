"""Asking and editing questions, and the state they derive from their answers."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.languages import writing_language
from segments.models import Segment

from .. import limits, permissions
from ..errors import NotAllowed
from ..models import Answer, ModerationEvent, PostRevision, Question, Watch
from ..signals import send_post_changed
from ..visibility import is_moderator, restricted_product_slugs
from . import history
from .notify import _queue_follower_notifications, _queue_mentions
from .validation import _check_product, clean_body, clean_title, parse_tags, slug_for, tag_string


def _is_restricted_product(product: Segment) -> bool:
    return product.slug in restricted_product_slugs()


def _sync_audience(question: Question) -> None:
    """The question's product is its target segment; restricted products stay restricted."""
    question.segments.set([question.product])
    if _is_restricted_product(question.product):
        question.restricted = True


@transaction.atomic
def ask_question(
    author,
    *,
    title: str,
    body: str,
    product: Segment,
    tags,
    restricted: bool = False,
    enforce_limits: bool = True,
    notify: bool = True,
    at=None,
    language: str | None = None,
) -> Question:
    """``language``: what the question is written in (default: the language the person
    uses the site in)."""
    permissions.ensure_can_participate(author, enforce=enforce_limits)
    title, body, tags = clean_title(title), clean_body(body), parse_tags(tags)
    _check_product(product, author if enforce_limits else None)
    trusted = not enforce_limits or is_moderator(author)
    if not trusted:
        limits.check_rate(author, "question")
    now = at or timezone.now()
    held = "" if trusted else limits.review_reason(body, plain=title, author=author)
    question = Question(
        title=title,
        slug=slug_for(title),
        body=body,
        product=product,
        author=author,
        restricted=restricted,
        language=writing_language(language),
        created_at=now,
        last_activity_at=now,
        awaiting_review=bool(held),
    )
    _sync_audience(question)
    question.tags.set(tags)
    question.save()
    if held:
        history.record(question, ModerationEvent.Action.HELD, reason=held, at=now)
    Watch.objects.get_or_create(question=question, user=author, defaults={"created_at": now})
    if notify and question.is_public:
        _queue_mentions("question", question.pk, exclude=[author.pk])
        _queue_follower_notifications(question)
    send_post_changed(question, "created")
    return question


@transaction.atomic
def edit_question(
    question: Question, editor, *, title: str, body: str, tags, product=None, language=None
):
    """Change a question's text, tags (and product, language); keeps a ``PostRevision``
    when the text, tags or product change."""
    if not permissions.can_edit(question, editor):
        raise NotAllowed(_("You can only edit your own posts."))
    permissions.ensure_can_participate(editor)
    title, body, tags = clean_title(title), clean_body(body), parse_tags(tags)
    if product is None or product.pk == question.product_id:
        product = question.product
    else:
        product = _check_product(product, editor)
    old_product = question.product
    old_title, old_body, old_tags = question.title, question.body, tag_string(question)
    new_tags = ", ".join(sorted(tags))
    if (old_title, old_body, old_tags, question.product_id) == (
        title,
        body,
        new_tags,
        product.pk,
    ):
        if language and writing_language(language) != question.language:
            question.language = writing_language(language)
            question.save(update_fields=["language"])
            send_post_changed(question, "edited")
        return question
    if language:
        question.language = writing_language(language)
    moderator = is_moderator(editor)
    now = timezone.now()
    PostRevision.objects.create(
        question=question,
        editor=editor,
        created_at=now,
        old_title=old_title,
        new_title=title,
        old_body=old_body,
        new_body=body,
        old_tags=old_tags,
        new_tags=new_tags,
        old_product=old_product,
        new_product=product,
    )
    question.title, question.slug, question.body = title, slug_for(title), body
    question.product = product
    question.edited_at, question.edited_by, question.last_activity_at = now, editor, now
    if (
        not moderator
        and not question.awaiting_review
        and limits.count_links(body, plain=title) > limits.count_links(old_body, plain=old_title)
    ):
        held = limits.review_reason(body, plain=title, author=editor)
        if held:
            question.awaiting_review = True
            history.record(question, ModerationEvent.Action.HELD, reason=held, at=now)
    _sync_audience(question)
    question.tags.set(tags)
    _reload_counters(question)
    question.save()
    if question.is_public:
        _queue_mentions("question", question.pk, exclude=[editor.pk], previous=old_body)
    send_post_changed(question, "edited")
    return question


def _lock(question: Question) -> None:
    """Hold the question's row until the transaction ends: counts recomputed after this
    see every answer and vote committed before, and no other writer changes them until
    this transaction is done (PostgreSQL; SQLite runs one writer at a time anyway)."""
    list(Question.objects.select_for_update().filter(pk=question.pk).values_list("pk"))


def _reload_counters(question: Question) -> None:
    """Copy the counters as stored now onto ``question`` (loaded earlier, perhaps long
    before), so a full ``save()`` writes back the current counts, never stale ones."""
    _lock(question)
    current = (
        Question.objects.filter(pk=question.pk)
        .values("score", "view_count", "answer_count", "status")
        .first()
    )
    for name, value in (current or {}).items():
        setattr(question, name, value)


@transaction.atomic
def refresh_question_state(question: Question, *, touch: bool = False, at=None) -> Question:
    """Recompute status and answer count from the published answers (with the question's
    row locked, so two answers posted at once both count)."""
    _lock(question)
    public = Answer.objects.filter(question=question, is_hidden=False, awaiting_review=False)
    count = public.count()
    if count and public.filter(is_accepted=True).exists():
        status = Question.Status.SOLVED
    elif count:
        status = Question.Status.ANSWERED
    else:
        status = Question.Status.OPEN
    fields = {"answer_count": count, "status": status}
    if touch:
        fields["last_activity_at"] = max(at or timezone.now(), question.last_activity_at)
    Question.objects.filter(pk=question.pk).update(**fields)
    for name, value in fields.items():
        setattr(question, name, value)
    return question


def record_view(question: Question) -> None:
    """One more view, counted in the database (``F()``), whatever ``question`` holds."""
    Question.objects.filter(pk=question.pk).update(view_count=F("view_count") + 1)


def set_view_count(question: Question, count: int) -> None:
    """For imports: the number of views a question arrives with."""
    Question.objects.filter(pk=question.pk).update(view_count=max(0, count))
    question.view_count = max(0, count)
