"""Stored counts (answers, status, scores, views) stay right, and drift is repaired."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from forum import services, tasks
from forum.models import Answer, Question

pytestmark = pytest.mark.django_db


def _stored(question: Question) -> tuple[int, int, str, int]:
    row = Question.objects.get(pk=question.pk)
    return row.answer_count, row.score, row.status, row.view_count


def test_votes_from_stale_instances_add_up(ask, member, other_member, third_member):
    question = ask(member)
    first = Question.objects.get(pk=question.pk)
    second = Question.objects.get(pk=question.pk)  # both loaded before either vote
    services.vote(other_member, first, 1)
    services.vote(third_member, second, 1)
    assert Question.objects.get(pk=question.pk).score == 2
    assert second.score == 2  # the instance is given the stored score back


def test_answers_from_stale_instances_all_count(ask, member, other_member, third_member):
    question = ask(member)
    first = Question.objects.get(pk=question.pk)
    second = Question.objects.get(pk=question.pk)
    services.post_answer(
        first,
        other_member,
        body="Rotate it in Settings, then redeploy the app.",
        enforce_limits=False,
    )
    services.post_answer(
        second,
        third_member,
        body="Or wait one day: the old secret keeps working.",
        enforce_limits=False,
    )
    assert _stored(question)[0] == 2
    assert Question.objects.get(pk=question.pk).status == Question.Status.ANSWERED


def test_views_from_stale_instances_all_count(ask, member):
    question = ask(member)
    first = Question.objects.get(pk=question.pk)
    second = Question.objects.get(pk=question.pk)
    services.record_view(first)
    services.record_view(second)
    services.record_view(first)
    assert _stored(question)[3] == 3


def test_editing_a_stale_question_keeps_newer_counts(ask, answer, member, other_member):
    question = ask(member)
    stale = Question.objects.get(pk=question.pk)  # opened in the edit form
    answer(question, other_member)
    services.vote(other_member, question, 1)
    services.record_view(question)
    services.edit_question(
        stale,
        member,
        title="How do I rotate the webhook signing secret safely?",
        body="We rotated the secret and now every delivery fails. What did we miss?",
        tags="webhooks",
    )
    assert _stored(question) == (1, 1, Question.Status.ANSWERED, 1)


def test_repair_fixes_corrupted_counts(ask, answer, member, other_member):
    question = ask(member)
    reply = answer(question, other_member)
    services.accept_answer(reply, member)
    services.vote(other_member, question, 1)
    services.vote(member, reply, 1)
    healthy = ask(member, title="A second question about signing secrets")
    Question.objects.filter(pk=question.pk).update(
        answer_count=7, score=-3, status=Question.Status.OPEN
    )
    Answer.objects.filter(pk=reply.pk).update(score=40)
    assert list(services.drifted_questions()) == [Question.objects.get(pk=question.pk)]

    repaired = services.repair_counters()

    assert (repaired.questions, repaired.answers) == (1, 1)
    assert _stored(question)[:3] == (1, 1, Question.Status.SOLVED)
    assert Answer.objects.get(pk=reply.pk).score == 1
    assert _stored(healthy)[:3] == (0, 0, Question.Status.OPEN)
    assert not services.drifted_questions().exists()
    assert not services.drifted_answers().exists()
    assert services.repair_counters().total == 0


def test_repair_counts_only_published_answers(ask, answer, member, other_member):
    question = ask(member)
    reply = answer(question, other_member)
    Answer.objects.filter(pk=reply.pk).update(is_hidden=True)  # hidden behind the services
    assert services.repair_counters().questions == 1
    assert _stored(question)[:3] == (0, 0, Question.Status.OPEN)


def test_repair_runs_as_a_periodic_task(ask, member):
    question = ask(member)
    Question.objects.filter(pk=question.pk).update(answer_count=5, status="answered")
    entry = django_settings.CELERY_BEAT_SCHEDULE["repair-forum-counters"]
    assert entry["task"] == "forum.repair_counters"
    assert tasks.repair_counters.name == entry["task"]
    assert tasks.repair_counters.apply().get() == 1
    assert _stored(question)[:3] == (0, 0, Question.Status.OPEN)


def test_repair_command(ask, member, capsys):
    question = ask(member)
    Question.objects.filter(pk=question.pk).update(score=9)
    call_command("forum_repair_counters")
    assert _stored(question)[1] == 0
    assert "1 question" in capsys.readouterr().out
