"""Every write in the forum: asking, answering, commenting, voting, accepting, watching,
flagging and moderating. Views, admin, the demo loader and tests call these functions.

Each function checks permissions and anti-abuse rules itself and raises a
``forum.errors.ForumError`` (with a message fit for the member) when it refuses.
``enforce_limits=False`` is for trusted imports (the demo loader): it skips rate limits,
the verified-email and suspension checks, the link hold and the visibility checks —
never the rules about who may accept, edit or vote on what.

Emails are queued with ``transaction.on_commit`` so nothing is sent for a write that
rolls back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core import mail
from segments.models import Segment

from . import conf, limits, mentions, permissions
from .errors import InvalidPost, NotAllowed
from .models import (
    Answer,
    AnswerVote,
    Comment,
    Flag,
    ForumProfile,
    PostRevision,
    Question,
    QuestionVote,
    Watch,
)
from .signals import send_post_changed
from .visibility import (
    can_view_post,
    can_view_product,
    can_view_question,
    is_moderator,
    restricted_product_slugs,
)

#: The unsubscribe tokens' purpose (``core.mail``), and what a token may stop.
UNSUBSCRIBE_PURPOSE = "forum"
UNSUBSCRIBE_KINDS = ("answers", "mentions")
_TAG_RE = re.compile(r"^[\w][\w .+#-]*$")
_SPACES = re.compile(r"\s+")


# --- Validation -----------------------------------------------------------------------


def clean_title(title: str) -> str:
    title = _SPACES.sub(" ", title or "").strip()
    low, high = conf.get("FORUM_TITLE_MIN_LENGTH"), conf.get("FORUM_TITLE_MAX_LENGTH")
    if len(title) < low:
        raise InvalidPost(_("The title needs at least %(n)s characters.") % {"n": low})
    if len(title) > high:
        raise InvalidPost(_("The title can have at most %(n)s characters.") % {"n": high})
    return title


def clean_body(body: str) -> str:
    body = (body or "").strip()
    low, high = conf.get("FORUM_BODY_MIN_LENGTH"), conf.get("FORUM_BODY_MAX_LENGTH")
    if len(body) < low:
        raise InvalidPost(_("Please write at least %(n)s characters.") % {"n": low})
    if len(body) > high:
        raise InvalidPost(
            _("Posts can have at most %(n)s characters (this one has %(count)s).")
            % {"n": high, "count": len(body)}
        )
    return body


def clean_comment(body: str) -> str:
    body = (body or "").strip()
    high = conf.get("FORUM_COMMENT_MAX_LENGTH")
    if len(body) < 2:
        raise InvalidPost(_("The comment is empty."))
    if len(body) > high:
        raise InvalidPost(
            _("Comments can have at most %(n)s characters (this one has %(count)s).")
            % {"n": high, "count": len(body)}
        )
    return body


def parse_tags(tags: str | Iterable[str]) -> list[str]:
    """``"Webhooks, signing secret"`` → ``["webhooks", "signing secret"]`` (1 to N tags)."""
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    cleaned: list[str] = []
    for item in items:
        name = _SPACES.sub(" ", str(item)).strip().lower()
        if name and name not in cleaned:
            cleaned.append(name)
    most = conf.get("FORUM_MAX_TAGS")
    if not cleaned:
        raise InvalidPost(_("Add at least one tag."))
    if len(cleaned) > most:
        raise InvalidPost(_("Use at most %(n)s tags.") % {"n": most})
    for name in cleaned:
        if len(name) < 2 or len(name) > 40 or not _TAG_RE.match(name):
            raise InvalidPost(
                _("“%(tag)s” is not a valid tag: use 2 to 40 letters, digits, spaces or - . + #.")
                % {"tag": name[:50]}
            )
    return cleaned


def tag_string(question: Question) -> str:
    return ", ".join(sorted(tag.name for tag in question.tags.all()))


def _check_product(product, user=None) -> Segment:
    """A product segment that ``user`` (when given) may see the forum of: nobody posts
    into a restricted product's forum they cannot open (the question would vanish from
    under them)."""
    if not isinstance(product, Segment) or product.kind != Segment.Kind.PRODUCT:
        raise InvalidPost(_("Choose the product your question is about."))
    if user is not None and not can_view_product(product, user):
        raise InvalidPost(_("Choose the product your question is about."))
    return product


#: Paths under /community/q/<id>/ that a slug must not take.
RESERVED_SLUGS = frozenset({"edit", "history", "answer", "comment", "watch"})


def slug_for(title: str) -> str:
    slug = slugify(title, allow_unicode=True)[:150].strip("-") or "question"
    return f"{slug}-question" if slug in RESERVED_SLUGS else slug


def profile_for(user) -> ForumProfile:
    profile, _created = ForumProfile.objects.get_or_create(user=user)
    return profile


def _is_restricted_product(product: Segment) -> bool:
    return product.slug in restricted_product_slugs()


def _sync_audience(question: Question) -> None:
    """The question's product is its target segment; restricted products stay restricted."""
    question.segments.set([question.product])
    if _is_restricted_product(question.product):
        question.restricted = True


def _queue(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args))


def _ensure_visible(question: Question, user, enforce: bool) -> None:
    if enforce and not can_view_question(question, user):
        raise NotAllowed(_("This question is not available."))


# --- Questions ------------------------------------------------------------------------


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
) -> Question:
    permissions.ensure_can_participate(author, enforce=enforce_limits)
    title, body, tags = clean_title(title), clean_body(body), parse_tags(tags)
    _check_product(product, author if enforce_limits else None)
    trusted = not enforce_limits or is_moderator(author)
    if not trusted:
        limits.check_rate(author, "question")
    now = at or timezone.now()
    question = Question(
        title=title,
        slug=slug_for(title),
        body=body,
        product=product,
        author=author,
        restricted=restricted,
        created_at=now,
        last_activity_at=now,
        awaiting_review=not trusted and limits.needs_review(body, plain=title),
    )
    _sync_audience(question)
    question.tags.set(tags)
    question.save()
    Watch.objects.get_or_create(question=question, user=author, defaults={"created_at": now})
    if notify and question.is_public:
        _queue_mentions("question", question.pk, exclude=[author.pk])
    send_post_changed(question, "created")
    return question


@transaction.atomic
def edit_question(question: Question, editor, *, title: str, body: str, tags, product=None):
    """Change a question's text, tags (and product); keeps a ``PostRevision``."""
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
        return question
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
    if not moderator and limits.count_links(body, plain=title) > limits.count_links(
        old_body, plain=old_title
    ):
        question.awaiting_review = question.awaiting_review or limits.needs_review(
            body, plain=title
        )
    _sync_audience(question)
    question.tags.set(tags)
    question.save()
    if question.is_public:
        _queue_mentions("question", question.pk, exclude=[editor.pk], previous=old_body)
    send_post_changed(question, "edited")
    return question


def refresh_question_state(question: Question, *, touch: bool = False, at=None) -> Question:
    """Recompute status and answer count from the published answers."""
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
    Question.objects.filter(pk=question.pk).update(view_count=F("view_count") + 1)


def set_view_count(question: Question, count: int) -> None:
    """For imports: the number of views a question arrives with."""
    Question.objects.filter(pk=question.pk).update(view_count=max(0, count))
    question.view_count = max(0, count)


# --- Answers --------------------------------------------------------------------------


@transaction.atomic
def post_answer(
    question: Question,
    author,
    *,
    body: str,
    enforce_limits: bool = True,
    notify: bool = True,
    at=None,
) -> Answer:
    permissions.ensure_can_participate(author, enforce=enforce_limits)
    _ensure_visible(question, author, enforce_limits)
    if not permissions.can_answer(question, author):
        if question.duplicate_of_id:
            raise NotAllowed(_("This question was closed as a duplicate."))
        raise NotAllowed(_("This question is locked: it takes no new answers."))
    body = clean_body(body)
    trusted = not enforce_limits or is_moderator(author)
    if not trusted:
        limits.check_rate(author, "answer")
    now = at or timezone.now()
    answer = Answer.objects.create(
        question=question,
        author=author,
        body=body,
        created_at=now,
        is_official=permissions.is_forum_staff(author),
        awaiting_review=not trusted and limits.needs_review(body),
    )
    refresh_question_state(question, touch=answer.is_public, at=now)
    if notify and answer.is_public:
        _queue_answer_notifications(answer)
    send_post_changed(answer, "created")
    return answer


@transaction.atomic
def edit_answer(answer: Answer, editor, *, body: str) -> Answer:
    if not permissions.can_edit(answer, editor):
        raise NotAllowed(_("You can only edit your own posts."))
    permissions.ensure_can_participate(editor)
    body = clean_body(body)
    if body == answer.body:
        return answer
    now = timezone.now()
    old_body = answer.body
    PostRevision.objects.create(
        question=answer.question,
        answer=answer,
        editor=editor,
        created_at=now,
        old_body=old_body,
        new_body=body,
    )
    answer.body, answer.edited_at, answer.edited_by = body, now, editor
    fields = ["body", "edited_at", "edited_by"]
    if (
        not is_moderator(editor)
        and limits.count_links(body) > limits.count_links(old_body)
        and limits.needs_review(body)
        and not answer.awaiting_review
    ):
        answer.awaiting_review = True
        fields.append("awaiting_review")
    answer.save(update_fields=fields)
    refresh_question_state(answer.question, touch=answer.is_public, at=now)
    if answer.is_public:
        _queue_mentions("answer", answer.pk, exclude=[editor.pk], previous=old_body)
    send_post_changed(answer, "edited")
    return answer


@transaction.atomic
def accept_answer(answer: Answer, user, *, notify: bool = True, at=None) -> Answer:
    question = Question.objects.select_for_update().get(pk=answer.question_id)
    if not permissions.can_accept(question, user):
        raise NotAllowed(_("Only the person who asked can accept an answer."))
    if not answer.is_public:
        raise InvalidPost(_("Only a published answer can be accepted."))
    if answer.is_accepted:
        return answer
    Answer.objects.filter(question=question, is_accepted=True).update(
        is_accepted=False, accepted_at=None, accepted_by=None
    )
    now = at or timezone.now()
    answer.is_accepted, answer.accepted_at, answer.accepted_by = True, now, user
    answer.save(update_fields=["is_accepted", "accepted_at", "accepted_by"])
    refresh_question_state(question, touch=True, at=now)
    answer.question = question
    if notify:
        _queue_accepted_notifications(answer, user)
    send_post_changed(answer, "accepted")
    return answer


@transaction.atomic
def unaccept_answer(answer: Answer, user) -> Answer:
    if not permissions.can_accept(answer.question, user):
        raise NotAllowed(_("Only the person who asked can change the accepted answer."))
    if not answer.is_accepted:
        return answer
    answer.is_accepted, answer.accepted_at, answer.accepted_by = False, None, None
    answer.save(update_fields=["is_accepted", "accepted_at", "accepted_by"])
    refresh_question_state(answer.question)
    send_post_changed(answer, "accepted")
    return answer


# --- Comments -------------------------------------------------------------------------


@transaction.atomic
def add_comment(
    author,
    *,
    question: Question,
    body: str,
    answer: Answer | None = None,
    enforce_limits: bool = True,
    notify: bool = True,
    at=None,
) -> Comment:
    permissions.ensure_can_participate(author, enforce=enforce_limits)
    _ensure_visible(question, author, enforce_limits)
    if answer is not None:
        if answer.question_id != question.pk:
            raise InvalidPost(_("That answer belongs to another question."))
        if enforce_limits and not can_view_post(answer, author):
            raise NotAllowed(_("This answer is not available."))
    if not permissions.can_comment(question, author):
        raise NotAllowed(_("This question is locked: it takes no new comments."))
    body = clean_comment(body)
    trusted = not enforce_limits or is_moderator(author)
    if not trusted:
        limits.check_rate(author, "comment")
    now = at or timezone.now()
    comment = Comment.objects.create(
        question=question,
        answer=answer,
        author=author,
        body=body,
        created_at=now,
        awaiting_review=not trusted and limits.needs_review(plain=body),
    )
    if comment.is_public:
        Question.objects.filter(pk=question.pk, last_activity_at__lt=now).update(
            last_activity_at=now
        )
        if notify:
            _queue_mentions("comment", comment.pk, exclude=[author.pk])
    send_post_changed(comment, "created")
    return comment


# --- Votes ----------------------------------------------------------------------------


@transaction.atomic
def vote(user, post: Question | Answer, value: int, *, enforce_limits: bool = True) -> int:
    """Set ``user``'s vote on ``post`` to +1, -1 or 0 (no vote); returns the new score.

    One vote per member and post; nobody votes on their own posts.
    """
    if value not in (1, -1, 0):
        raise InvalidPost(_("A vote is up or down."))
    permissions.ensure_can_participate(user, enforce=enforce_limits)
    question = post if isinstance(post, Question) else post.question
    if not post.is_public or (enforce_limits and not can_view_question(question, user)):
        raise NotAllowed(_("This post is not available."))
    if not permissions.can_vote(post, user):
        raise NotAllowed(_("You can't vote on your own post."))
    if isinstance(post, Question):
        model, votes = Question, QuestionVote.objects.filter(question=post, user=user)
        new = {"question": post}
    else:
        model, votes = Answer, AnswerVote.objects.filter(answer=post, user=user)
        new = {"answer": post}
    existing = votes.select_for_update().first()
    old = existing.value if existing else 0
    if value != old:
        if value == 0:
            existing.delete()
        elif existing:
            existing.value = value
            existing.save(update_fields=["value"])
        else:
            try:
                with transaction.atomic():
                    votes.model.objects.create(user=user, value=value, **new)
            except IntegrityError:
                raise NotAllowed(_("You have already voted on this post.")) from None
        model.objects.filter(pk=post.pk).update(score=F("score") + (value - old))
    post.score = model.objects.values_list("score", flat=True).get(pk=post.pk)
    return post.score


def vote_of(user, post: Question | Answer) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    if isinstance(post, Question):
        votes = QuestionVote.objects.filter(question=post, user=user)
    else:
        votes = AnswerVote.objects.filter(answer=post, user=user)
    return votes.values_list("value", flat=True).first() or 0


# --- Watching and notification settings ------------------------------------------------


def watch(question: Question, user) -> bool:
    if not can_view_question(question, user):
        raise NotAllowed(_("This question is not available."))
    _watch, created = Watch.objects.get_or_create(question=question, user=user)
    return created


def unwatch(question: Question, user) -> bool:
    deleted, _rows = Watch.objects.filter(question=question, user=user).delete()
    return bool(deleted)


def update_notification_settings(user, *, email_on_answers: bool, email_on_mentions: bool):
    profile = profile_for(user)
    profile.email_on_answers = email_on_answers
    profile.email_on_mentions = email_on_mentions
    profile.save(update_fields=["email_on_answers", "email_on_mentions"])
    return profile


def unsubscribe_token(user, kind: str) -> str:
    if kind not in UNSUBSCRIBE_KINDS:
        raise ValueError(kind)
    return mail.unsubscribe_token(user, UNSUBSCRIBE_PURPOSE, k=kind)


def read_unsubscribe_token(token: str):
    """``(user, kind)`` for a valid token, ``None`` otherwise."""
    found = mail.read_unsubscribe_token(token, UNSUBSCRIBE_PURPOSE)
    if found is None or found[1].get("k") not in UNSUBSCRIBE_KINDS:
        return None
    user, data = found
    return user, data["k"]


def unsubscribe(user, kind: str) -> ForumProfile:
    profile = profile_for(user)
    field = {"answers": "email_on_answers", "mentions": "email_on_mentions"}[kind]
    setattr(profile, field, False)
    profile.save(update_fields=[field])
    return profile


# --- Flags ----------------------------------------------------------------------------


def _flag_target_fields(post) -> dict:
    if isinstance(post, Question):
        return {"question": post, "answer": None, "comment": None}
    if isinstance(post, Answer):
        return {"question": post.question, "answer": post, "comment": None}
    if isinstance(post, Comment):
        return {"question": post.question, "answer": post.answer, "comment": post}
    raise TypeError(post)


def flags_on(post):
    fields = _flag_target_fields(post)
    if isinstance(post, Comment):
        return Flag.objects.filter(comment=post)
    if isinstance(post, Answer):
        return Flag.objects.filter(answer=post, comment__isnull=True)
    return Flag.objects.filter(
        question=fields["question"], answer__isnull=True, comment__isnull=True
    )


@transaction.atomic
def flag_post(
    reporter,
    post,
    *,
    reason: str,
    duplicate_of: Question | None = None,
    note: str = "",
    enforce_limits: bool = True,
    at=None,
) -> Flag:
    permissions.ensure_can_participate(reporter, enforce=enforce_limits)
    fields = _flag_target_fields(post)
    question = fields["question"]
    if enforce_limits and (
        not can_view_question(question, reporter) or not can_view_post(post, reporter)
    ):
        raise NotAllowed(_("This post is not available."))
    if post.author_id == reporter.pk:
        raise NotAllowed(_("You can't flag your own post."))
    if reason not in Flag.Reason.values:
        raise InvalidPost(_("Choose why you are flagging this post."))
    if reason == Flag.Reason.DUPLICATE:
        if duplicate_of is None:
            raise InvalidPost(_("Tell us which question this duplicates."))
        if duplicate_of.pk == question.pk or not can_view_question(duplicate_of, reporter):
            raise InvalidPost(_("Choose another question as the original."))
    else:
        duplicate_of = None
    existing = flags_on(post).filter(reporter=reporter, status=Flag.Status.OPEN).first()
    if existing:
        return existing
    if enforce_limits and not is_moderator(reporter):
        limits.check_rate(reporter, "flag")
    flag = Flag.objects.create(
        reporter=reporter,
        reason=reason,
        duplicate_of=duplicate_of,
        note=(note or "").strip()[:500],
        created_at=at or timezone.now(),
        **fields,
    )
    threshold = conf.get("FORUM_FLAGS_TO_HIDE")
    if threshold and not post.is_hidden:
        reporters = (
            flags_on(post).filter(status=Flag.Status.OPEN).values("reporter").distinct().count()
        )
        if reporters >= threshold:
            _set_hidden(post, True)
    return flag


# --- Moderation -----------------------------------------------------------------------


def _ensure_moderator(user) -> None:
    if not is_moderator(user):
        raise NotAllowed(_("Only moderators can do this."))


def _close_flags(post, moderator, status: str, resolution: str) -> int:
    return (
        flags_on(post)
        .filter(status=Flag.Status.OPEN)
        .update(
            status=status, handled_by=moderator, handled_at=timezone.now(), resolution=resolution
        )
    )


def _set_hidden(post, hidden: bool) -> None:
    post.is_hidden = hidden
    post.save(update_fields=["is_hidden"])
    if isinstance(post, Answer):
        refresh_question_state(post.question)
    send_post_changed(post, "hidden" if hidden else "restored")


@transaction.atomic
def hide_post(post, moderator, *, resolution: str = "") -> None:
    _ensure_moderator(moderator)
    _set_hidden(post, True)
    _close_flags(post, moderator, Flag.Status.RESOLVED, resolution or "hidden")


@transaction.atomic
def restore_post(post, moderator) -> None:
    """Show a hidden post again (flags that hid it are dismissed)."""
    _ensure_moderator(moderator)
    _set_hidden(post, False)
    _close_flags(post, moderator, Flag.Status.DISMISSED, "restored")


@transaction.atomic
def approve_post(post, moderator, *, notify: bool = True) -> None:
    """Publish a post that was held for review, and send the notifications it held back."""
    _ensure_moderator(moderator)
    if not post.awaiting_review:
        return
    post.awaiting_review = False
    post.save(update_fields=["awaiting_review"])
    if isinstance(post, Answer):
        refresh_question_state(post.question, touch=True)
    if notify and post.is_public:
        if isinstance(post, Answer):
            _queue_answer_notifications(post)
        elif isinstance(post, Question):
            _queue_mentions("question", post.pk, exclude=[post.author_id])
        else:
            _queue_mentions("comment", post.pk, exclude=[post.author_id])
    send_post_changed(post, "approved")


@transaction.atomic
def dismiss_flags(post, moderator) -> int:
    _ensure_moderator(moderator)
    return _close_flags(post, moderator, Flag.Status.DISMISSED, "dismissed")


@transaction.atomic
def dismiss_flag(flag: Flag, moderator) -> Flag:
    _ensure_moderator(moderator)
    flag.status, flag.handled_by, flag.handled_at = Flag.Status.DISMISSED, moderator, timezone.now()
    flag.resolution = "dismissed"
    flag.save(update_fields=["status", "handled_by", "handled_at", "resolution"])
    return flag


@transaction.atomic
def set_locked(question: Question, moderator, locked: bool) -> Question:
    _ensure_moderator(moderator)
    question.is_locked = locked
    question.save(update_fields=["is_locked"])
    if locked:
        _close_flags(question, moderator, Flag.Status.RESOLVED, "locked")
    send_post_changed(question, "moderated")
    return question


@transaction.atomic
def mark_duplicate(question: Question, original: Question | None, moderator) -> Question:
    """Close ``question`` as a duplicate of ``original`` (``None`` reopens it)."""
    _ensure_moderator(moderator)
    if original is not None:
        seen = {question.pk}
        cursor = original
        while cursor is not None:
            if cursor.pk in seen:
                raise InvalidPost(_("A question cannot be a duplicate of itself."))
            seen.add(cursor.pk)
            cursor = cursor.duplicate_of
    question.duplicate_of = original
    question.save(update_fields=["duplicate_of"])
    if original is not None:
        _close_flags(question, moderator, Flag.Status.RESOLVED, "marked duplicate")
    send_post_changed(question, "moderated")
    return question


@transaction.atomic
def set_restricted(question: Question, moderator, restricted: bool) -> Question:
    _ensure_moderator(moderator)
    question.restricted = restricted
    question.save(update_fields=["restricted"])
    send_post_changed(question, "moderated")
    return question


@transaction.atomic
def suspend_member(user, moderator, *, days: int | None = None, until=None, reason: str = ""):
    """Stop ``user`` from posting until ``until`` (or for ``days``)."""
    _ensure_moderator(moderator)
    if is_moderator(user):
        raise NotAllowed(_("Staff accounts cannot be suspended from the community."))
    if until is None:
        until = timezone.now() + timedelta(days=days or 7)
    profile = profile_for(user)
    profile.suspended_until, profile.suspended_by = until, moderator
    profile.suspension_reason = (reason or "")[:300]
    profile.save(update_fields=["suspended_until", "suspended_by", "suspension_reason"])
    return profile


@transaction.atomic
def lift_suspension(user, moderator) -> ForumProfile:
    _ensure_moderator(moderator)
    profile = profile_for(user)
    profile.suspended_until, profile.suspension_reason = None, ""
    profile.save(update_fields=["suspended_until", "suspension_reason"])
    return profile


@transaction.atomic
def record_admin_edit(instance, before: dict, editor) -> None:
    """After a moderator saved a question or answer in the admin: history and state."""
    if isinstance(instance, Question):
        after = _question_snapshot(instance)
        if after != before:
            PostRevision.objects.create(
                question=instance,
                editor=editor,
                old_title=before["title"],
                new_title=after["title"],
                old_body=before["body"],
                new_body=after["body"],
                old_tags=before["tags"],
                new_tags=after["tags"],
                old_product_id=before["product"],
                new_product_id=after["product"],
            )
        instance.segments.set([instance.product])
        instance.segments.commit()
        if _is_restricted_product(instance.product) and not instance.restricted:
            instance.restricted = True
            instance.save(update_fields=["restricted"])
        refresh_question_state(instance)
    else:
        if instance.body != before["body"]:
            PostRevision.objects.create(
                question=instance.question,
                answer=instance,
                editor=editor,
                old_body=before["body"],
                new_body=instance.body,
            )
        refresh_question_state(instance.question)
    send_post_changed(instance, "moderated")


def _question_snapshot(question: Question) -> dict:
    return {
        "title": question.title,
        "body": question.body,
        "tags": tag_string(question),
        "product": question.product_id,
    }


def snapshot(instance) -> dict:
    """What ``record_admin_edit`` compares against (read before the admin form saves)."""
    if isinstance(instance, Question):
        return _question_snapshot(Question.objects.get(pk=instance.pk))
    return {"body": Answer.objects.values_list("body", flat=True).get(pk=instance.pk)}


# --- Notifications (queued) -----------------------------------------------------------


def _mentioned_ids(text: str | None) -> list[int]:
    return [user.pk for user in mentions.mentioned_users(text)]


def _queue_mentions(kind: str, pk: int, *, exclude: Iterable[int], previous: str | None = None):
    from . import tasks

    skip = [pk_ for pk_ in exclude if pk_]
    if previous:
        skip += _mentioned_ids(previous)
    _queue(tasks.notify_mentions, kind, pk, sorted(set(skip)))


def _queue_answer_notifications(answer: Answer) -> None:
    from . import tasks

    _queue(tasks.notify_new_answer, answer.pk)


def _queue_accepted_notifications(answer: Answer, accepted_by) -> None:
    from . import tasks

    _queue(tasks.notify_accepted_answer, answer.pk, accepted_by.pk)
