"""What process_inbound does with each kind of email, through the provider endpoint and
directly: replies from the requester land, machines and strangers do not."""

import pytest
from django.core import mail
from django.urls import reverse

from inbound.models import InboundMessage
from inbound.services import process_inbound
from tests.factories import UserFactory
from tickets import reply_address, services
from tickets.models import FunnelEvent, SupportFlow, Ticket, TicketMessage

from .mails import compose

pytestmark = pytest.mark.django_db
URL = "/support/inbound-email/"
SECRET = "s3cret-inbound"


def reply_to(ticket, customer, text="Still failing after the rotation.", **kwargs):
    return compose(
        sender=customer.email,
        to=reply_address.address(ticket),
        subject=f"Re: [{ticket.reference}] {ticket.subject}",
        text=text,
        **kwargs,
    )


def post(client, raw, secret=SECRET, **extra):
    return client.post(
        URL,
        data=raw,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {secret}"} if secret else {},
        **extra,
    )


# --- The provider endpoint ----------------------------------------------------------------


def test_the_endpoint_is_off_without_a_secret(client, settings, support_mail):
    settings.SUPPORT_INBOUND_SECRET = ""
    assert post(client, b"From: a@b.test\r\n\r\nhi", secret="").status_code == 404


def test_the_endpoint_wants_the_secret(client, support_mail):
    assert post(client, b"From: a@b.test\r\n\r\nhi", secret="").status_code == 403
    assert post(client, b"From: a@b.test\r\n\r\nhi", secret="wrong").status_code == 403
    assert client.get(URL, headers={"Authorization": f"Bearer {SECRET}"}).status_code == 405
    assert InboundMessage.objects.count() == 0


def test_the_endpoint_refuses_oversized_mail(client, settings, support_mail, file_ticket, customer):
    settings.SUPPORT_INBOUND_MAX_BYTES = 2000
    ticket = file_ticket(customer, notify=False)
    raw = reply_to(ticket, customer, text="x" * 3000)
    assert post(client, raw).status_code == 413
    assert InboundMessage.objects.count() == 0


def test_a_posted_reply_lands_once(
    client,
    committed,
    support_mail,
    file_ticket,
    customer,
    agent,
    django_capture_on_commit_callbacks,
):
    ticket = file_ticket(customer, notify=False)
    services.assign(ticket, agent, agent)
    raw = reply_to(ticket, customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"outcome": "reply", "duplicate": False, "ticket": ticket.number}
    message = TicketMessage.objects.get(ticket=ticket)
    assert message.body == "Still failing after the rotation." and message.author == customer
    assert [m.to for m in mail.outbox] == [[agent.email]]
    again = post(client, raw)
    assert again.json()["duplicate"] is True
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1


def test_a_provider_form_post_works_too(client, support_mail, file_ticket, customer):
    ticket = file_ticket(customer, notify=False)
    response = client.post(
        URL + f"?secret={SECRET}", data={"email": reply_to(ticket, customer).decode()}
    )
    assert response.json()["outcome"] == "reply"


# --- Machines and loops -----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Out of office"},
        {"X-Auto-Response-Suppress": "All"},
        {"List-Id": "<announce.example.com>"},
    ],
)
def test_automatic_replies_are_ignored(support_mail, file_ticket, customer, headers):
    ticket = file_ticket(customer, notify=False)
    record = process_inbound(
        reply_to(ticket, customer, text="I am out of office.", headers=headers)
    )
    assert record.outcome == "ignored"
    assert not TicketMessage.objects.filter(ticket=ticket).exists()


def test_a_person_saying_auto_submitted_no_is_heard(support_mail, file_ticket, customer):
    ticket = file_ticket(customer, notify=False)
    raw = reply_to(ticket, customer, headers={"Auto-Submitted": "no"})
    assert process_inbound(raw).outcome == "reply"


@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mx.example.com", "postmaster@example.com", "noreply@example.com",
     "no-reply@example.com", "support@portico.test"],
)  # fmt: skip
def test_system_senders_and_our_own_address_are_ignored(support_mail, products, sender):
    raw = compose(sender=sender, to="support@portico.test", subject="Delivery failed", text="x")
    assert process_inbound(raw).outcome == "ignored"
    assert Ticket.objects.count() == 0


def test_a_sender_is_limited_per_hour(settings, support_mail, file_ticket, customer):
    settings.SUPPORT_INBOUND_PER_HOUR = 2
    ticket = file_ticket(customer, notify=False)
    outcomes = [
        process_inbound(reply_to(ticket, customer, text=f"Try {n}")).outcome for n in range(3)
    ]
    assert outcomes == ["reply", "reply", "ignored"]
    assert InboundMessage.objects.order_by("pk").last().reason.startswith("more than 2 messages")


# --- Who may write into a ticket ----------------------------------------------------------


def test_a_forged_token_is_refused_silently(support_mail, file_ticket, customer):
    ticket = file_ticket(customer, notify=False)
    forged = f"support+{ticket.pk}-{'0' * 20}@portico.test"
    raw = compose(sender=customer.email, to=forged, subject="Re: hello", text="Let me in.")
    record = process_inbound(raw)
    assert record.outcome == "refused" and "not valid" in record.reason
    assert not TicketMessage.objects.exists() and mail.outbox == []


def test_a_token_of_another_ticket_is_refused(support_mail, file_ticket, customer, other_member):
    mine = file_ticket(customer, notify=False)
    theirs = file_ticket(other_member, notify=False)
    signature = reply_address.token(mine).split("-")[1]
    address = f"support+{theirs.pk}-{signature}@portico.test"
    raw = compose(sender=other_member.email, to=address, subject="Re: x", text="Hello there.")
    assert process_inbound(raw).outcome == "refused"


def test_only_the_requester_may_reply(support_mail, file_ticket, customer, other_member):
    ticket = file_ticket(customer, notify=False)
    raw = reply_to(ticket, other_member)
    record = process_inbound(raw)
    assert record.outcome == "refused" and "not the requester" in record.reason
    assert not TicketMessage.objects.exists() and mail.outbox == []


def test_a_reply_to_a_closed_request_reopens_it(support_mail, file_ticket, customer):
    ticket = file_ticket(customer, notify=False)
    services.close_by_customer(ticket, customer)
    assert process_inbound(reply_to(ticket, customer)).outcome == "reply"
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.messages.count() == 1


def test_html_only_mail_becomes_safe_text(support_mail, file_ticket, customer):
    ticket = file_ticket(customer, notify=False)
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>It fails <b>again</b>.</p><p>Line two<br>Line three</p>"
        '<div class="gmail_quote"><div class="gmail_attr">On Fri, Portico wrote:</div>'
        "<blockquote>old text</blockquote></div></body></html>"
    )
    raw = compose(sender=customer.email, to=reply_address.address(ticket), subject="Re", html=html)
    process_inbound(raw)
    body = TicketMessage.objects.get().body
    assert body == "It fails again.\n\nLine two\nLine three"


# --- New requests -----------------------------------------------------------------------


def test_a_new_email_gets_suggestions_first_then_a_ticket(
    committed, support_mail, content, indexed, products
):
    indexed()
    raw = compose(
        sender="Dana Newcomer <dana@newcomer.test>",
        to="support@portico.test",
        subject="Webhook signature fails",
        text="Every webhook signature fails since we rotated the secret.\n\n-- \nDana",
        attachments=[("trace.txt", b"signature mismatch\n", "text/plain")],
    )
    record = committed(process_inbound, raw)
    assert record.outcome == "ticket"
    ticket = record.ticket
    assert ticket.source == Ticket.Source.EMAIL and ticket.subject == "Webhook signature fails"
    assert ticket.description == "Every webhook signature fails since we rotated the secret."
    assert [a.name for a in ticket.attachments.all()] == ["trace.txt"]
    dana = ticket.requester
    assert dana.email == "dana@newcomer.test" and not dana.has_usable_password()
    assert dana.display_name == "Dana Newcomer"
    assert ticket.flow.outcome == SupportFlow.Outcome.TICKET

    suggestions, receipt = mail.outbox
    assert suggestions.to == receipt.to == ["dana@newcomer.test"]
    assert "may already answer you" in suggestions.subject
    assert "We received your request" in receipt.subject
    for email in (suggestions, receipt):
        assert email.reply_to == [reply_address.address(ticket)]
        assert email.alternatives[0][1] == "text/html"
    assert content["article"].title in suggestions.body
    assert (
        "Quillwhistle" not in suggestions.body
        and content["restricted"].title not in suggestions.body
    )
    html = suggestions.alternatives[0][0]
    assert content["article"].title in html

    # "This solved it": the link asks first (a link checker changes nothing) …
    solved_url = next(
        line.split(" ")[-1]
        for line in suggestions.body.splitlines()
        if "/support/email/solved/" in line
    )
    path = solved_url[solved_url.index("/support/") :]
    from django.test import Client

    browser = Client()
    assert browser.get(path).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "new"
    # … and closes the request, counted as deflected in the funnel.
    assert browser.post(path).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    ticket.flow.refresh_from_db()
    assert ticket.flow.outcome == SupportFlow.Outcome.SOLVED
    assert FunnelEvent.objects.filter(flow=ticket.flow, name=FunnelEvent.Name.SOLVED).exists()
    assert Client().get(path[:-5] + "xxxx/").status_code == 404


def test_a_new_email_from_a_member_is_filed_under_their_account(
    committed, support_mail, products, customer
):
    raw = compose(
        sender=customer.email.upper(),
        to="support@portico.test",
        subject="Invoice address",
        text="Please change the address on our invoices to Strada Lungă 5.",
    )
    record = committed(process_inbound, raw)
    assert record.ticket.requester == customer
    assert record.ticket.language == "ro"
    assert [m.subject for m in mail.outbox] == [
        f"[Portico] [{record.ticket.reference}] We received your request: Invoice address"
    ]


def test_a_reply_address_on_the_web_page_is_not_a_new_request(support_mail):
    """Without a token, mail to a plus-address that is not a real token is a new request
    only when it is not forged to look like one."""
    assert reply_address.find_token(["support+12-nothex@portico.test"]) is None


def test_the_solved_link_needs_a_valid_token(client, support_mail):
    response = client.get(reverse("inbound:solved", args=["not-a-token"]))
    assert response.status_code == 404


def test_no_reply_address_while_the_channel_is_off(committed, file_ticket, customer):
    committed(file_ticket, customer)
    assert mail.outbox[0].reply_to == []
    assert mail.outbox[0].extra_headers["Message-ID"].startswith("<ticket-")
    assert UserFactory  # the factory is shared with the other tests


def test_an_emailed_reply_is_a_ticket_reply_for_webhooks(support_mail, file_ticket, customer):
    from webhooks.models import Delivery, Endpoint

    endpoint = Endpoint.objects.create(
        url="https://hooks.example.com/in", events=["ticket.replied"]
    )
    ticket = file_ticket(customer, notify=False)
    process_inbound(reply_to(ticket, customer))
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.event == "ticket.replied"
    assert delivery.payload["data"]["ticket"]["number"] == ticket.number
