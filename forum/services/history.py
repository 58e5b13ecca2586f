"""The moderation history of a post: events recorded as they happen, read with its flags."""

from __future__ import annotations

from ..models import Answer, Comment, Flag, ModerationEvent, Question


def target_fields(post) -> dict:
    if isinstance(post, Question):
        return {"question": post, "answer": None, "comment": None}
    if isinstance(post, Answer):
        return {"question": post.question, "answer": post, "comment": None}
    if isinstance(post, Comment):
        return {"question": post.question, "answer": post.answer, "comment": post}
    raise TypeError(post)


def record(post, action: str, *, actor=None, reason: str = "", at=None) -> ModerationEvent:
    extra = {"created_at": at} if at is not None else {}
    return ModerationEvent.objects.create(
        action=action, reason=reason, actor=actor, **extra, **target_fields(post)
    )


def events_on(post):
    if isinstance(post, Comment):
        return ModerationEvent.objects.filter(comment=post)
    if isinstance(post, Answer):
        return ModerationEvent.objects.filter(answer=post, comment__isnull=True)
    return ModerationEvent.objects.filter(question=post, answer__isnull=True, comment__isnull=True)


def flags_on(post):
    if isinstance(post, Comment):
        return Flag.objects.filter(comment=post)
    if isinstance(post, Answer):
        return Flag.objects.filter(answer=post, comment__isnull=True)
    return Flag.objects.filter(question=post, answer__isnull=True, comment__isnull=True)


def _key(row) -> tuple[str, int]:
    if row.comment_id:
        return ("comment", row.comment_id)
    if row.answer_id:
        return ("answer", row.answer_id)
    return ("question", row.question_id)


def histories(question_ids) -> dict[tuple[str, int], list]:
    """Every flag (whatever its status) and moderation event on the posts of these
    questions, oldest first, by ``(kind, pk)`` of the post: two queries in all."""
    found: dict[tuple[str, int], list] = {}
    flags = Flag.objects.filter(question_id__in=question_ids).select_related(
        "question", "reporter", "handled_by", "duplicate_of"
    )
    events = ModerationEvent.objects.filter(question_id__in=question_ids).select_related(
        "question", "actor"
    )
    for row in [*flags, *events]:
        found.setdefault(_key(row), []).append(row)
    for rows in found.values():
        rows.sort(key=lambda row: (row.created_at, isinstance(row, ModerationEvent), row.pk))
    return found


def history_of_question(question: Question) -> list:
    """Flags and moderation events on a question and on its answers and comments."""
    rows = [row for rows in histories([question.pk]).values() for row in rows]
    return sorted(rows, key=lambda row: (row.created_at, row.pk))
