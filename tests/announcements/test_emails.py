import datetime as dt
import re
import smtplib

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from announcements import services, tasks
from announcements.models import AnnouncementDelivery
from tests.factories import UserFactory, grant, make_announcement, publish

pytestmark = pytest.mark.django_db


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def audience(products):
    """Subscribers with every reason to be (or not be) emailed about Ledger."""
    people = {
        "ledger": UserFactory(username="ledger-fan"),
        "both": UserFactory(username="both-fan"),
        "relay": UserFactory(username="relay-fan"),
        "unverified": UserFactory(username="unverified", verified=False),
        "inactive": UserFactory(username="inactive", is_active=False),
        "granted": UserFactory(username="granted"),
        "staff": UserFactory(username="staffer", is_staff=True),
        "nobody": UserFactory(username="not-subscribed"),
    }
    subscriptions = {
        "ledger": ["ledger"],
        "both": ["ledger", "relay"],
        "relay": ["relay"],
        "unverified": ["ledger"],
        "inactive": ["ledger"],
        "granted": ["ledger"],
        "staff": ["ledger"],
    }
    for key, slugs in subscriptions.items():
        services.set_subscriptions(people[key], [products[s] for s in slugs])
    grant(people["granted"], products["ledger"])
    return people


def emails_of(people, *keys):
    return sorted(people[k].email for k in keys)


def test_publishing_emails_product_subscribers(
    index, products, audience, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_announcement(
            index, "Ledger 5.0", segments=[products["ledger"]], summary="Faster reports."
        )

    assert recipients() == emails_of(audience, "ledger", "both", "granted", "staff")
    assert all(len(message.to) == 1 and not message.bcc for message in mail.outbox)
    assert AnnouncementDelivery.objects.filter(announcement=page).count() == 4

    message = next(m for m in mail.outbox if m.to == [audience["ledger"].email])
    assert message.subject == "[Portico] Ledger 5.0"
    link = "http://testserver/announcements/" + page.slug + "/"
    assert link in message.body
    assert "Faster reports." in message.body
    assert "http://testserver/account/subscriptions/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert 'href="http://testserver/account/subscriptions/"' in html
    unsubscribe = re.search(
        r"<(http://testserver/account/subscriptions/unsubscribe/[^>]+)>",
        message.extra_headers["List-Unsubscribe"],
    ).group(1)
    assert unsubscribe in message.body and unsubscribe in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribe_link_in_email_works(
    client, index, products, audience, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_announcement(index, segments=[products["ledger"], products["relay"]])
    # One email each, even for members subscribed to both products.
    assert recipients() == emails_of(audience, "ledger", "both", "relay", "granted", "staff")
    message = next(m for m in mail.outbox if m.to == [audience["both"].email])
    url = re.search(r"http://testserver(/account/subscriptions/unsubscribe/\S+)", message.body)
    client.post(url.group(1))
    assert services.subscribed_products(audience["both"]) == []
    assert services.subscribed_products(audience["ledger"]) == [products["ledger"]]


def test_republishing_does_not_email_twice(
    index, products, audience, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_announcement(index, segments=[products["ledger"]])
    assert len(mail.outbox) == 4

    mail.outbox.clear()
    page.title = "Ledger 5.0 (corrected)"
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert mail.outbox == []

    # A member who subscribes afterwards gets the next publish, once.
    late = UserFactory(username="late")
    services.set_subscriptions(late, [products["ledger"]])
    with django_capture_on_commit_callbacks(execute=True):
        publish(page)
    assert recipients() == [late.email]


def test_restricted_reaches_only_granted_subscribers(
    index, products, audience, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_announcement(index, segments=[products["ledger"]], restricted=True)
    assert recipients() == emails_of(audience, "granted", "staff")


def test_declared_product_does_not_unlock_email(
    index, products, audience, django_capture_on_commit_callbacks
):
    audience["ledger"].declared_products.add(products["ledger"])
    with django_capture_on_commit_callbacks(execute=True):
        make_announcement(index, segments=[products["ledger"]], restricted=True)
    assert audience["ledger"].email not in recipients()


def test_other_products_subscribers_only(
    index, products, audience, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_announcement(index, segments=[products["relay"]])
    assert recipients() == emails_of(audience, "both", "relay")


def test_announcement_without_product_emails_nobody(
    index, products, audience, django_capture_on_commit_callbacks
):
    role = products["ledger"].__class__.objects.create(kind="role", name="Admins", slug="admins")
    with django_capture_on_commit_callbacks(execute=True):
        make_announcement(index, "General news")
        make_announcement(index, "Role news", segments=[role])
    assert mail.outbox == []


def test_email_needs_a_verified_current_address(
    index, products, audience, django_capture_on_commit_callbacks
):
    # The verified address is an old one: the current email was never confirmed.
    member = audience["ledger"]
    EmailAddress.objects.filter(user=member).update(email="old@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        make_announcement(index, segments=[products["ledger"]])
    assert member.email not in recipients()
    assert audience["both"].email in recipients()


def test_drafts_and_old_news_are_not_emailed(
    index, products, audience, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_announcement(index, segments=[products["ledger"]], live=False)
        draft.save_revision()
        make_announcement(
            index,
            segments=[products["ledger"]],
            date=timezone.localdate()
            - dt.timedelta(days=settings.PORTICO_ANNOUNCEMENT_EMAIL_MAX_AGE_DAYS + 1),
        )
    assert mail.outbox == []
    assert services.send_announcement_emails(draft.pk) == 0


def test_nothing_is_sent_before_commit(
    index, products, audience, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_announcement(index, segments=[products["ledger"]])
        assert mail.outbox == []
    assert mail.outbox == []  # the transaction never committed

    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 4


def test_task_is_idempotent_and_resumes_after_smtp_failure(
    index, products, audience, settings, monkeypatch
):
    page = make_announcement(index, segments=[products["ledger"]])  # on_commit not run
    assert mail.outbox == []

    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 3:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.send_announcement_emails(page.pk)
    assert len(mail.outbox) == 2
    assert AnnouncementDelivery.objects.filter(announcement=page).count() == 2

    # The retry reaches the rest, and nobody twice.
    assert tasks.send_announcement_emails.apply(args=[page.pk]).get() == 2
    assert recipients() == emails_of(audience, "ledger", "both", "granted", "staff")
    assert tasks.send_announcement_emails.apply(args=[page.pk]).get() == 0
    assert len(mail.outbox) == 4


def test_task_retries_on_smtp_errors():
    assert smtplib.SMTPException in tasks.send_announcement_emails.autoretry_for
    assert tasks.send_announcement_emails.retry_backoff


def test_deleted_page_is_a_no_op():
    assert tasks.send_announcement_emails.apply(args=[999_999]).get() == 0
