"""Tickets and questions carry the language they are written in: chosen on the form,
starting at the interface's language, shown with their own ``lang`` and ``dir``."""

import pytest
from django.utils import translation

from forum.models import Question
from tickets.models import Ticket

from .test_pages import PROBLEM, set_draft

pytestmark = pytest.mark.django_db

PERSIAN = {"subject": "پیام‌های وب‌هوک رد می‌شوند", "description": "از امروز صبح خطای ۴۰۱ می‌گیریم."}


def test_a_ticket_filed_in_the_persian_interface_is_persian(client, customer, products):
    client.force_login(customer)
    customer.language = "fa"
    customer.save(update_fields=["language"])
    set_draft(client, **PERSIAN)
    form = client.get("/support/new/details/").content.decode()
    assert '<option value="fa" selected>فارسی</option>' in form
    client.post("/support/new/details/", {**PROBLEM, **PERSIAN, "priority": "2"})
    ticket = Ticket.objects.get()
    assert ticket.language == "fa"
    customer.language = "en"
    customer.save(update_fields=["language"])
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert '<html lang="en" dir="ltr"' in page
    assert f'<span class="content-lang" lang="fa" dir="rtl">{PERSIAN["subject"]}</span>' in page


def test_the_customer_chooses_the_language(client, customer, products):
    client.force_login(customer)
    set_draft(client)
    client.post("/support/new/details/", {**PROBLEM, "priority": "2", "language": "ro"})
    assert Ticket.objects.get().language == "ro"


def test_an_unknown_language_is_a_form_error_and_files_nothing(client, customer, products):
    client.force_login(customer)
    set_draft(client)
    response = client.post("/support/new/details/", {**PROBLEM, "priority": "2", "language": "xx"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_agents_see_the_language_in_the_queue_and_the_workspace(
    client, customer, agent, products, file_ticket
):
    with translation.override("ro"):
        ticket = file_ticket(customer, subject="Webhook-urile eșuează")
    assert ticket.language == "ro"
    client.force_login(agent)
    queue = client.get("/admin/support/tickets/").content.decode()
    assert "Română" in queue
    assert (
        ticket.subject in client.get("/admin/support/tickets/", {"language": "ro"}).content.decode()
    )
    assert (
        ticket.subject
        not in client.get("/admin/support/tickets/", {"language": "fa"}).content.decode()
    )
    workspace = client.get(f"/admin/support/tickets/edit/{ticket.pk}/").content.decode()
    assert "Written in Română" in workspace
    assert 'lang="ro" dir="ltr"' in workspace


def test_a_question_is_asked_in_the_chosen_language(client, member, products):
    from segments.models import Segment

    client.force_login(member)
    ask = client.get("/community/ask/").content.decode()
    assert '<option value="en" selected>English</option>' in ask
    product = Segment.objects.filter(kind=Segment.Kind.PRODUCT).first()
    client.post(
        "/community/ask/",
        {
            "title": "Cum export facturile în PDF?",
            "product": product.pk,
            "tags": "facturi",
            "body": "Am nevoie de toate facturile din 2025 într-un singur fișier.",
            "language": "ro",
            "submission_token": _token(ask),
        },
    )
    assert Question.objects.get().language == "ro"


def _token(html: str) -> str:
    import re

    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    return match.group(1) if match else ""
