"""Outgoing email in one place: links, unsubscribe tokens, headers, language, sending once."""

import smtplib

import pytest
from django.core import mail as outbox
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from core import mail
from forum.models import NotificationDelivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_links_use_the_public_address(settings, home):
    settings.WAGTAILADMIN_BASE_URL = "https://help.example.com/"
    assert mail.absolute_url("/community/") == "https://help.example.com/community/"


def test_links_fall_back_to_the_default_site(settings, home):
    settings.WAGTAILADMIN_BASE_URL = ""
    Site.objects.filter(is_default_site=True).update(hostname="portal.example.org", port=443)
    assert mail.absolute_url("/kb/") == "https://portal.example.org/kb/"


def test_unsubscribe_tokens_are_signed_per_purpose(member):
    token = mail.unsubscribe_token(member, "forum", k="answers")
    assert mail.read_unsubscribe_token(token, "forum") == (member, {"k": "answers"})
    # A token for one list never works for another, and a changed token not at all.
    assert mail.read_unsubscribe_token(token, "announcements") is None
    assert mail.read_unsubscribe_token(token[:-2] + "xx", "forum") is None
    assert mail.read_unsubscribe_token("not-a-token", "forum") is None


def test_unsubscribe_tokens_of_closed_accounts_do_nothing(member):
    token = mail.unsubscribe_token(member, "forum", k="answers")
    member.is_active = False
    member.save()
    assert mail.read_unsubscribe_token(token, "forum") is None


def test_a_list_email_carries_one_click_unsubscribe_headers(member):
    message = mail.build_email(
        member,
        subject=gettext_lazy("New answer to “%(title)s”"),
        subject_params={"title": "Webhooks  fail\nafter rotation"},
        template="forum/email/new_answer.txt",
        context={"question": None, "answer": None, "excerpt": "", "post_url": "/x/"},
        unsubscribe_url="https://help.example.com/unsubscribe/abc/",
    )
    assert message.subject == "[Portico] New answer to “Webhooks fail after rotation”"
    assert message.to == [member.email]
    assert message.body.startswith(f"Hello {member.public_name},")
    assert message.extra_headers == {
        "List-Unsubscribe": "<https://help.example.com/unsubscribe/abc/>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    assert message.alternatives == []


def test_a_personal_email_has_no_unsubscribe_headers_and_may_have_html(member):
    message = mail.build_email(
        member,
        subject=None,
        subject_template="announcements/email/announcement_subject.txt",
        template="announcements/email/announcement_message.txt",
        html_template="announcements/email/announcement_message.html",
        context={"page": {"title": "Ledger 5.0"}, "products": [], "subscribed_products": []},
    )
    assert message.subject == "[Portico] Ledger 5.0"
    assert message.extra_headers == {"Auto-Submitted": "auto-generated"}
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Ledger 5.0" in html


def test_emails_are_written_in_the_recipients_language(member):
    def build(user):
        return mail.build_email(
            user,
            subject=gettext_lazy("New answer to “%(title)s”"),
            subject_params={"title": "Webhooks"},
            template="forum/email/new_answer.txt",
            context={"question": None, "answer": None, "excerpt": "", "post_url": "/x/"},
        )

    assert build(member).subject == "[Portico] New answer to “Webhooks”"
    member.language = "fa"  # the account's language, when it has one
    persian = build(member)
    assert persian.subject == "[Portico] پاسخ جدید به «Webhooks»"
    assert persian.body.startswith(f"سلام {member.public_name}،")


def _message(user):
    return mail.build_email(
        user,
        subject=gettext_lazy("New answer to “%(title)s”"),
        subject_params={"title": "Webhooks"},
        template="forum/email/new_answer.txt",
        context={"question": None, "answer": None, "excerpt": "", "post_url": "/x/"},
    )


def test_an_email_goes_out_once_with_its_record(member):
    def record():
        return NotificationDelivery.objects.create(key="answer:1", user=member)

    assert mail.send_once(_message(member), record=record) is True
    assert mail.send_once(_message(member), record=record) is False  # the row exists
    assert len(outbox.outbox) == 1
    assert mail.send_once(_message(member), record=lambda: False) is False
    assert len(outbox.outbox) == 1


def test_a_failed_send_leaves_no_record_so_a_retry_sends_it(member, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def down(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    def record():
        return NotificationDelivery.objects.create(key="answer:2", user=member)

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", down)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            mail.send_once(_message(member), record=record)
    assert not NotificationDelivery.objects.filter(key="answer:2").exists()
    assert mail.send_once(_message(member), record=record) is True
    assert len(outbox.outbox) == 1


def test_send_all_counts_what_went_out(member):
    other = UserFactory(username="other-reader")
    NotificationDelivery.objects.create(key="answer:3", user=other)

    def record(user):
        return lambda: NotificationDelivery.objects.create(key="answer:3", user=user)

    sent = mail.send_all((_message(user), record(user)) for user in [member, other])
    assert sent == 1
    assert [m.to for m in outbox.outbox] == [[member.email]]
    assert mail.send_all([]) == 0
