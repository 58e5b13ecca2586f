"""Forum emails: who gets told about new answers, accepted answers and @mentions.

Nobody is ever emailed about a question they may not see: every recipient passes
``segments.policy.can_view`` for the question, the question and the post must be published
(not hidden, not held for review), and the member must be active with a verified email
address and want this kind of email (``ForumProfile``). Each email carries a one-click
unsubscribe link (a signed token, no sign-in needed).

Sending is safe to repeat, like announcement emails: each recipient of an event (``key``:
``answer:<id>``, ``accepted:<id>``, ``mention:<kind>:<id>``) is recorded in
``NotificationDelivery`` in the same transaction as their email is handed to the mail
server (``core.mail.send_all``). When the mail server fails half-way, the task raises and
Celery retries it, and the retry emails only the members not reached yet; nobody gets the
same email twice. Emails are written in each recipient's language.
"""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core import mail
from core.markdown import markdown_to_text
from segments import policy

from . import inapp, mentions
from .models import Answer, Comment, ForumProfile, NotificationDelivery, Question
from .services import unsubscribe_token

logger = logging.getLogger(__name__)

PREFERENCE = {"answers": "email_on_answers", "mentions": "email_on_mentions"}


def _verified_user_ids(users) -> set[int]:
    pairs = EmailAddress.objects.filter(user__in=[u.pk for u in users], verified=True).values_list(
        "user_id", "email"
    )
    emails = {u.pk: u.email.lower() for u in users}
    return {user_id for user_id, email in pairs if emails.get(user_id) == email.lower()}


def eligible(users, question: Question, kind: str) -> list:
    """The members of ``users`` who may be emailed about ``question`` for ``kind``."""
    users = [u for u in users if u.is_active and u.email]
    if not users or question.is_hidden or question.awaiting_review:
        return []
    profiles = {p.user_id: p for p in ForumProfile.objects.filter(user__in=[u.pk for u in users])}
    field = PREFERENCE[kind]
    users = [u for u in users if getattr(profiles.get(u.pk), field, True)]
    verified = _verified_user_ids(users)
    return [u for u in users if u.pk in verified and policy.can_view(question, u)]


def _excerpt(text: str) -> str:
    return Truncator(markdown_to_text(text)).chars(600)


def build_email(
    user,
    *,
    kind: str,
    template: str,
    subject,
    subject_params: dict,
    context: dict,
    connection=None,
):
    """One email about the forum; ``subject`` is translated into the recipient's language."""
    unsubscribe = mail.absolute_url(
        reverse("forum:unsubscribe", kwargs={"token": unsubscribe_token(user, kind)})
    )
    return mail.build_email(
        user,
        subject=subject,
        subject_params=subject_params,
        template=template,
        context={
            **context,
            "unsubscribe_url": unsubscribe,
            "settings_url": mail.absolute_url(reverse("forum:settings")),
        },
        unsubscribe_url=unsubscribe,
        connection=connection,
    )


def _undelivered(users, key: str) -> list:
    """``users`` who have not been emailed about ``key`` yet."""
    done = set(
        NotificationDelivery.objects.filter(key=key, user__in=[u.pk for u in users]).values_list(
            "user_id", flat=True
        )
    )
    return [u for u in users if u.pk not in done]


def _send(deliveries) -> int:
    """Send ``(key, user, message)`` triples; each is recorded as it goes out.

    A mail-server error propagates (the task retries); what was sent before it stays
    recorded, so the retry skips it.
    """

    def record(key, user):
        return lambda: NotificationDelivery.objects.create(key=key, user=user)

    return mail.send_all((message, record(key, user)) for key, user, message in deliveries)


def _mention_key(kind: str, pk: int) -> str:
    return f"mention:{kind}:{pk}"


def _mention_messages(users, question: Question, post, *, kind: str, post_url: str) -> list:
    key = _mention_key(kind, post.pk)
    subject_params = {
        "name": post.author.public_name if post.author else "",
        "title": question.title,
    }
    return [
        (
            key,
            user,
            build_email(
                user,
                kind="mentions",
                template="forum/email/mention.txt",
                subject=_("%(name)s mentioned you in “%(title)s”"),
                subject_params=subject_params,
                context={
                    "question": question,
                    "post": post,
                    "excerpt": _excerpt(post.body),
                    "post_url": post_url,
                },
            ),
        )
        for user in _undelivered(users, key)
    ]


def send_new_answer(answer_id: int) -> int:
    """Mentioned members get a mention email; other watchers a "new answer" email."""
    answer = Answer.objects.select_related("question", "author").filter(pk=answer_id).first()
    if answer is None or not answer.is_public:
        return 0
    question = answer.question
    inapp.new_answer(answer)
    post_url = mail.absolute_url(answer.get_absolute_url())
    mentioned = eligible(
        mentions.mentioned_users(answer.body, exclude_ids=[answer.author_id]), question, "mentions"
    )
    messages = _mention_messages(mentioned, question, answer, kind="answer", post_url=post_url)
    skip = {answer.author_id, *(u.pk for u in mentioned)}
    watchers = (
        get_user_model()
        .objects.filter(forum_watches__question=question)
        .exclude(pk__in=[pk for pk in skip if pk])
    )
    key = f"answer:{answer.pk}"
    for user in _undelivered(eligible(list(watchers), question, "answers"), key):
        messages.append(
            (
                key,
                user,
                build_email(
                    user,
                    kind="answers",
                    template="forum/email/new_answer.txt",
                    subject=_("New answer to “%(title)s”"),
                    subject_params={"title": question.title},
                    context={
                        "question": question,
                        "answer": answer,
                        "excerpt": _excerpt(answer.body),
                        "post_url": post_url,
                    },
                ),
            )
        )
    return _send(messages)


def send_accepted_answer(answer_id: int, accepted_by_id: int | None = None) -> int:
    """The answer's author and the question's watchers hear that an answer was accepted."""
    answer = Answer.objects.select_related("question", "author").filter(pk=answer_id).first()
    if answer is None or not answer.is_public or not answer.is_accepted:
        return 0
    question = answer.question
    inapp.accepted_answer(answer, get_user_model().objects.filter(pk=accepted_by_id).first())
    post_url = mail.absolute_url(answer.get_absolute_url())
    skip = {accepted_by_id}
    messages = []
    key = f"accepted:{answer.pk}"
    if answer.author and answer.author_id not in skip:
        for user in _undelivered(eligible([answer.author], question, "answers"), key):
            messages.append(
                (
                    key,
                    user,
                    build_email(
                        user,
                        kind="answers",
                        template="forum/email/answer_accepted.txt",
                        subject=_("Your answer to “%(title)s” was accepted"),
                        subject_params={"title": question.title},
                        context={
                            "question": question,
                            "answer": answer,
                            "yours": True,
                            "excerpt": _excerpt(answer.body),
                            "post_url": post_url,
                        },
                    ),
                )
            )
    skip.add(answer.author_id)
    watchers = (
        get_user_model()
        .objects.filter(forum_watches__question=question)
        .exclude(pk__in=[pk for pk in skip if pk])
    )
    for user in _undelivered(eligible(list(watchers), question, "answers"), key):
        messages.append(
            (
                key,
                user,
                build_email(
                    user,
                    kind="answers",
                    template="forum/email/answer_accepted.txt",
                    subject=_("An answer to “%(title)s” was accepted"),
                    subject_params={"title": question.title},
                    context={
                        "question": question,
                        "answer": answer,
                        "yours": False,
                        "excerpt": _excerpt(answer.body),
                        "post_url": post_url,
                    },
                ),
            )
        )
    return _send(messages)


def notify_followers(question_id: int) -> int:
    """In-site notifications for the followers of a new question's tags (no email)."""
    question = Question.objects.select_related("author").filter(pk=question_id).first()
    if question is None or not question.is_public:
        return 0
    inapp.new_question_in_followed_tags(question)
    return 1


def send_mentions(kind: str, pk: int, exclude_user_ids=()) -> int:
    """Mention emails for a question or comment (answers go through ``send_new_answer``)."""
    if kind == "question":
        post = Question.objects.select_related("author").filter(pk=pk).first()
        question = post
    elif kind == "answer":
        post = Answer.objects.select_related("question", "author").filter(pk=pk).first()
        question = post.question if post else None
    elif kind == "comment":
        post = Comment.objects.select_related("question", "answer", "author").filter(pk=pk).first()
        question = post.question if post else None
    else:
        raise ValueError(kind)
    if post is None or not post.is_public:
        return 0
    if kind == "comment" and post.answer is not None and not post.answer.is_public:
        return 0
    if kind == "comment":
        inapp.new_comment(post)
    inapp.mentioned(kind, post, question)
    exclude = {post.author_id, *exclude_user_ids}
    users = mentions.mentioned_users(post.body, exclude_ids=[pk_ for pk_ in exclude if pk_])
    recipients = eligible(users, question, "mentions")
    return _send(
        _mention_messages(
            recipients,
            question,
            post,
            kind=kind,
            post_url=mail.absolute_url(post.get_absolute_url()),
        )
    )
