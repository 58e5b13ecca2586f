"""In-site notifications about the forum (``users.notifications``), created by the same
tasks as the forum's emails (``forum.notifications``), for the same events: answers to
questions one asked or watches, accepted answers, comments on one's posts and on watched
questions, @mentions, and new questions in followed tags.

Unlike emails they need no verified address or email preference, but the same access
rule: nobody is told about a question they may not open (``visibility``), and the list
checks again when it is shown (``describe``), so nothing later restricted shows up.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from users import follows
from users.models import Notification
from users.notifications import notify

from . import mentions, visibility
from .models import Answer, Comment, Question

Kind = Notification.Kind


def _may_see(users, question: Question, post=None) -> list:
    if not question.is_public or (post is not None and not post.is_public):
        return []
    return [
        user
        for user in users
        if user.is_active
        and visibility.can_view_question(question, user)
        and (post is None or visibility.can_view_post(post, user))
    ]


def _watchers(question: Question, exclude=()) -> list:
    return list(
        get_user_model()
        .objects.filter(forum_watches__question=question, is_active=True)
        .exclude(pk__in=[pk for pk in exclude if pk])
    )


def new_answer(answer: Answer) -> None:
    question = answer.question
    mentioned = mentions.mentioned_users(answer.body, exclude_ids=[answer.author_id])
    notify(
        _may_see(mentioned, question, answer),
        kind=Kind.MENTION,
        key=f"mention:answer:{answer.pk}",
        subject=question,
        actor=answer.author,
        anchor=f"answer-{answer.pk}",
    )
    skip = {answer.author_id, *(u.pk for u in mentioned)}
    notify(
        _may_see(_watchers(question, skip), question, answer),
        kind=Kind.ANSWER,
        key=f"answer:{answer.pk}",
        subject=question,
        actor=answer.author,
        anchor=f"answer-{answer.pk}",
    )


def accepted_answer(answer: Answer, accepted_by=None) -> None:
    question = answer.question
    people = _watchers(question, [getattr(accepted_by, "pk", None)])
    if answer.author and answer.author.pk not in {u.pk for u in people}:
        people.append(answer.author)
    notify(
        _may_see(people, question, answer),
        kind=Kind.ACCEPTED,
        key=f"accepted:{answer.pk}",
        subject=question,
        actor=accepted_by,
        anchor=f"answer-{answer.pk}",
    )


def mentioned(kind: str, post, question: Question) -> None:
    people = mentions.mentioned_users(post.body, exclude_ids=[post.author_id])
    notify(
        _may_see(people, question, None if kind == "question" else post),
        kind=Kind.MENTION,
        key=f"mention:{kind}:{post.pk}",
        subject=question,
        actor=post.author,
        anchor="" if kind == "question" else f"{kind}-{post.pk}",
    )


def new_comment(comment: Comment) -> None:
    """The author of the post commented on, and the question's watchers."""
    question = comment.question
    target = comment.answer or question
    if comment.answer is not None and not comment.answer.is_public:
        return
    already = {u.pk for u in mentions.mentioned_users(comment.body)}
    people = _watchers(question, [comment.author_id, *already])
    if target.author and target.author.pk not in already | {p.pk for p in people}:
        people.append(target.author)
    notify(
        _may_see(people, question, comment),
        kind=Kind.COMMENT,
        key=f"comment:{comment.pk}",
        subject=question,
        actor=comment.author,
        anchor=f"comment-{comment.pk}",
    )


def new_question_in_followed_tags(question: Question) -> None:
    tags = list(question.tags.all())
    if not tags or not question.is_public:
        return
    people = list(follows.tag_followers([tag.pk for tag in tags]).filter(is_active=True))
    followed = {}
    if people:
        rows = follows.Follow.objects.filter(
            user__in=people, tag_id__in=[t.pk for t in tags]
        ).select_related("tag")
        for row in rows:
            followed.setdefault(row.user_id, row.tag.name)
    for user in _may_see(people, question):
        notify(
            [user],
            kind=Kind.FOLLOWED_TAG,
            key=f"tag-question:{question.pk}",
            subject=question,
            actor=question.author,
            context=followed.get(user.pk, ""),
        )


def describe_questions(ids: list[int], user) -> dict[int, tuple[str, str]]:
    """Title and address of the questions ``user`` may open now (``users.notifications``)."""
    questions = visibility.questions_for(user).filter(pk__in=ids).only("pk", "title", "slug")
    return {q.pk: (q.title, q.get_absolute_url()) for q in questions}
