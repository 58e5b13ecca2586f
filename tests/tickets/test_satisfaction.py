"""Customer satisfaction: a solved request is rated good or bad (with a comment) by its
requester only — on its page, through the emailed links (a page with a one-click POST,
never recorded on GET), changeable for a while then locked; the email goes out once."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.signing import dumps
from django.utils import timezone

from core.models import OutboxMessage
from tickets import satisfaction, services, tasks
from tickets.errors import NotAllowed
from tickets.models import SatisfactionRating, Ticket

pytestmark = pytest.mark.django_db

Source = SatisfactionRating.Source


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


@pytest.fixture
def solved(file_ticket, customer, agent):
    ticket = file_ticket(customer, notify=False)
    services.reply_as_agent(ticket, agent, "Rotate the secret.", status="solved", notify=False)
    ticket.refresh_from_db()
    return ticket


def _links(body: str) -> dict:
    found = re.findall(r"http://[^\s\"<]+/rate/[^\s\"<]+/", body)
    return {"good": found[0], "bad": found[1]}


# --- Service -------------------------------------------------------------------------


def test_the_requester_rates_a_solved_request_and_the_solving_agent_is_recorded(
    solved, customer, agent
):
    rating = services.rate_ticket(solved, customer, "good", "Quick and clear", source=Source.PORTAL)
    assert rating.score == "good" and rating.comment == "Quick and clear"
    assert rating.agent == agent and rating.rated_by == customer
    # Changing it within the window keeps one rating per ticket.
    services.rate_ticket(solved, customer, "bad", None, source=Source.API)
    rating.refresh_from_db()
    assert (rating.score, rating.comment, rating.source) == ("bad", "Quick and clear", "api")
    assert SatisfactionRating.objects.filter(ticket=solved).count() == 1


def test_a_rating_is_locked_after_the_window(solved, customer, settings):
    settings.TICKETS_CSAT_CHANGE_DAYS = 7
    then = timezone.now() - timedelta(days=8)
    services.rate_ticket(solved, customer, "good", source=Source.PORTAL, at=then)
    with pytest.raises(NotAllowed):
        services.rate_ticket(solved, customer, "bad", source=Source.PORTAL)
    assert solved.rating.score == "good"


def test_only_the_requester_rates_and_only_once_solved(
    file_ticket, solved, customer, other_member, agent
):
    with pytest.raises(NotAllowed):
        services.rate_ticket(solved, other_member, "bad", source=Source.PORTAL)
    with pytest.raises(NotAllowed):
        services.rate_ticket(solved, agent, "good", source=Source.PORTAL)
    open_ticket = file_ticket(customer, notify=False, subject="Another question here")
    with pytest.raises(NotAllowed):
        services.rate_ticket(open_ticket, customer, "good", source=Source.PORTAL)
    assert not SatisfactionRating.objects.exists()


# --- The email -----------------------------------------------------------------------


def test_solving_sends_one_satisfaction_email_in_the_customers_language(
    committed, file_ticket, customer, agent
):
    customer.language = "ro"
    customer.save(update_fields=["language"])
    ticket = file_ticket(customer, notify=False)
    committed(services.reply_as_agent, ticket, agent, "Fixed.", status="solved")
    assert len(mail.outbox) == 2  # the reply, then the survey
    survey = mail.outbox[1]
    assert survey.to == [customer.email]
    assert ticket.reference in survey.subject
    assert "Bine, sunt mulțumit" in survey.body
    html = survey.alternatives[0][0]
    links = _links(survey.body)
    assert links["good"] in html and links["bad"] in html
    ticket.refresh_from_db()
    assert ticket.satisfaction_sent_at is not None
    # Never twice: a retried task, solving again after a reopen, a second "solved" set.
    assert tasks.request_satisfaction.delay(ticket.pk).get() == 0
    committed(services.reply_as_customer, ticket, customer, "It broke again.")
    committed(services.change_status, ticket, agent, "solved")
    assert len([m for m in mail.outbox if "/rate/" in m.body]) == 1
    assert OutboxMessage.objects.filter(key=f"ticket-satisfaction:{ticket.pk}").count() == 1


def test_no_survey_for_a_request_rated_before_the_email_left(file_ticket, customer, agent):
    ticket = file_ticket(customer, notify=False)
    services.change_status(ticket, agent, "solved", notify=False)
    services.rate_ticket(ticket, customer, "good", source=Source.PORTAL)
    assert satisfaction.send_request(ticket.pk) == 0
    assert mail.outbox == []


# --- The emailed links ---------------------------------------------------------------


def test_a_link_shows_the_choice_and_records_only_on_post(client, solved, customer):
    assert satisfaction.send_request(solved.pk) == 1
    bad = _links(mail.outbox[0].body)["bad"].split("http://testserver", 1)[-1]
    bad = bad[bad.index("/support/") :]
    response = client.get(bad)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="bad" class' in body or 'value="bad"' in body
    assert re.search(r'value="bad"[^>]*checked', body)
    assert response["Cache-Control"] == "private, no-store"
    # A scanner opening both links records nothing.
    client.get(_links(mail.outbox[0].body)["good"][len("http://testserver") :])
    assert not SatisfactionRating.objects.exists()
    response = client.post(bad, {"score": "bad", "comment": "Took four days."})
    assert response.status_code == 200
    rating = SatisfactionRating.objects.get(ticket=solved)
    assert (rating.score, rating.comment, rating.source) == ("bad", "Took four days.", "email")
    assert rating.rated_by == customer
    assert "Thank you! You rated our help: Bad." in response.content.decode()


def test_a_tampered_link_is_refused(client, solved):
    token = satisfaction.make_token(solved, "good")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    url = f"/support/tickets/{solved.number}/rate/{tampered}/"
    assert client.get(url).status_code == 400
    assert client.post(url, {"score": "good"}).status_code == 400
    # Signed with another purpose's salt: refused too.
    forged = dumps({"t": solved.pk, "u": solved.requester_id, "s": "good"}, salt="other")
    assert (
        client.post(
            f"/support/tickets/{solved.number}/rate/{forged}/", {"score": "good"}
        ).status_code
        == 400
    )
    assert not SatisfactionRating.objects.exists()


def test_a_link_for_another_ticket_is_refused(client, solved, file_ticket, other_member, agent):
    theirs = file_ticket(other_member, notify=False, subject="Their own request")
    services.change_status(theirs, agent, "solved", notify=False)
    token = satisfaction.make_token(solved, "good")
    response = client.post(f"/support/tickets/{theirs.number}/rate/{token}/", {"score": "bad"})
    assert response.status_code == 404
    assert not SatisfactionRating.objects.exists()


def test_an_expired_link_is_refused(client, solved, settings):
    token = satisfaction.make_token(solved, "good")
    settings.TICKETS_CSAT_LINK_DAYS = 0
    assert client.get(f"/support/tickets/{solved.number}/rate/{token}/").status_code == 400


# --- The request's page --------------------------------------------------------------


def test_the_requester_rates_on_the_request_page(client, solved, customer):
    client.force_login(customer)
    page = client.get(solved.get_absolute_url()).content.decode()
    assert 'id="rating-heading"' in page
    assert 'name="score" value="good"' in page and "Good, I am satisfied" in page
    assert 'name="score" value="bad"' in page and "Bad, I am not satisfied" in page
    response = client.post(
        f"/support/tickets/{solved.number}/rate/", {"score": "good", "comment": "Thanks!"}
    )
    assert response.status_code == 302
    page = client.get(solved.get_absolute_url()).content.decode()
    assert "You rated our help: Good." in page and "Thanks!" in page


def test_no_rating_form_before_a_request_is_solved(client, file_ticket, customer):
    ticket = file_ticket(customer, notify=False)
    client.force_login(customer)
    assert 'id="rating-heading"' not in client.get(ticket.get_absolute_url()).content.decode()
    response = client.post(f"/support/tickets/{ticket.number}/rate/", {"score": "good"})
    assert response.status_code == 302
    assert not SatisfactionRating.objects.exists()


def test_another_customer_can_neither_rate_nor_see_a_rating(client, solved, customer, other_member):
    services.rate_ticket(solved, customer, "bad", "Secret complaint", source=Source.PORTAL)
    client.force_login(other_member)
    assert client.get(solved.get_absolute_url()).status_code == 404
    response = client.post(f"/support/tickets/{solved.number}/rate/", {"score": "good"})
    assert response.status_code == 404
    assert solved.rating.score == "bad"


def test_rating_needs_the_csrf_token(solved, customer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post(f"/support/tickets/{solved.number}/rate/", {"score": "good"})
    assert response.status_code == 403
    assert Ticket.objects.get(pk=solved.pk).satisfaction_sent_at is None
    assert not SatisfactionRating.objects.exists()


def test_the_survey_in_persian_counts_in_persian_digits(solved, customer, settings):
    settings.TICKETS_CSAT_LINK_DAYS = 30
    customer.language = "fa"
    customer.save(update_fields=["language"])
    assert satisfaction.send_request(solved.pk) == 1
    survey = mail.outbox[0]
    assert "کار ما چطور بود؟" in survey.subject
    assert "۳۰" in survey.body and "خوب، راضی هستم" in survey.body
    assert 'dir="rtl"' in survey.alternatives[0][0]


def test_no_survey_to_an_unverified_address_or_for_a_reopened_request(file_ticket, customer, agent):
    from allauth.account.models import EmailAddress

    ticket = file_ticket(customer, notify=False)
    services.change_status(ticket, agent, "solved", notify=False)
    EmailAddress.objects.filter(user=customer).update(verified=False)
    assert satisfaction.send_request(ticket.pk) == 0
    EmailAddress.objects.filter(user=customer).update(verified=True)
    services.reply_as_customer(ticket, customer, "Actually it is not fixed.", notify=False)
    assert satisfaction.send_request(ticket.pk) == 0
    assert mail.outbox == []
    ticket.refresh_from_db()
    assert ticket.satisfaction_sent_at is None
