"""The caller's own support tickets through the API: list, read, file with attachments,
reply, close — through ``tickets.services`` with the contact form's checks; another
person's ticket is a 404 for any token, and internal notes never appear."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from tests.tickets.conftest import PNG, upload
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    user = UserFactory(username="agent", display_name="Sam Agent", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def tickets(products, member, other_member, agent):
    def file(requester, subject, **fields):
        return services.file_ticket(
            requester,
            product=products["relay"],
            subject=subject,
            description="Since this morning every webhook delivery fails with 401.",
            enforce_limits=False,
            notify=False,
            **fields,
        )

    mine = file(member, "Webhook deliveries fail", files=[upload("screen.png", PNG)])
    services.reply_as_agent(mine, agent, "Which endpoint do you deliver to?", notify=False)
    services.add_internal_note(mine, agent, "Customer is on the legacy plan (quietly).")
    older = file(member, "Invoices are missing")
    theirs = file(other_member, "Someone else's problem")
    return {"mine": mine, "older": older, "theirs": theirs}


def numbers(response):
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["results"]]


def test_a_token_lists_and_reads_only_its_persons_tickets(client, tickets, member, bearer):
    auth = bearer(member)
    listed = numbers(client.get("/api/v1/tickets", **auth))
    assert listed == [tickets["older"].number, tickets["mine"].number]
    mine = client.get(f"/api/v1/tickets/{tickets['mine'].number}", **auth)
    assert mine.status_code == 200
    data = mine.json()
    assert data["subject"] == "Webhook deliveries fail"
    assert [a["name"] for a in data["attachments"]] == ["screen.png"]
    assert data["attachments"][0]["url"].endswith("/screen.png")
    assert [m["body"] for m in data["messages"]] == ["Which endpoint do you deliver to?"]
    assert data["messages"][0]["from_support"] is True
    assert "quietly" not in mine.content.decode()
    theirs = client.get(f"/api/v1/tickets/{tickets['theirs'].number}", **auth)
    assert theirs.status_code == 404
    assert theirs.json() == {"error": {"status": 404, "message": "Not found."}}


def test_tickets_need_a_person(client, tickets):
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.get(f"/api/v1/tickets/{tickets['mine'].number}").status_code == 401


def test_filters_and_cursor_pagination(client, tickets, member, bearer):
    auth = bearer(member)
    services.close_by_customer(tickets["older"], member)
    assert numbers(client.get("/api/v1/tickets?show=open", **auth)) == [tickets["mine"].number]
    assert numbers(client.get("/api/v1/tickets?status=closed", **auth)) == [tickets["older"].number]
    first = client.get("/api/v1/tickets?limit=1", **auth).json()
    assert [t["number"] for t in first["results"]] == [tickets["older"].number]
    second = client.get(f"/api/v1/tickets?limit=1&cursor={first['next_cursor']}", **auth).json()
    assert [t["number"] for t in second["results"]] == [tickets["mine"].number]
    assert second["next_cursor"] is None


def test_file_a_ticket_with_attachments(client, products, member, bearer):
    auth = bearer(member, scopes=["read", "write"])
    response = client.post(
        "/api/v1/tickets",
        {
            "product": "relay",
            "subject": "Exports stop at 10,000 rows",
            "description": "Every export we start stops at exactly ten thousand rows.",
            "priority": "3",
            "files": [upload("one.png", PNG), upload("two.png", PNG)],
        },
        **auth,
    )
    assert response.status_code == 201, response.content
    data = response.json()
    ticket = Ticket.objects.get(number=data["number"])
    assert ticket.requester == member and ticket.priority == 3
    assert sorted(a.name for a in ticket.attachments.all()) == ["one.png", "two.png"]
    assert [a["name"] for a in data["attachments"]] == ["one.png", "two.png"]
    client.force_login(member)  # the file itself is the site's, for its requester
    file = client.get(data["attachments"][0]["url"].split("testserver", 1)[1])
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == PNG


def test_attachments_are_checked_as_on_the_form(client, products, member, bearer, settings):
    auth = bearer(member, scopes=["write"])
    fields = {
        "product": "relay",
        "subject": "Exports stop at 10,000 rows",
        "description": "Every export we start stops at exactly ten thousand rows.",
    }
    fake = client.post(
        "/api/v1/tickets",
        {**fields, "files": [upload("screen.png", b"MZ\x90\x00 not a png")]},
        **auth,
    )
    assert fake.status_code == 400
    assert fake.json()["error"]["status"] == 400
    settings.TICKETS_ATTACHMENT_MAX_FILES = 1
    many = client.post(
        "/api/v1/tickets",
        {**fields, "files": [upload("a.png", PNG), upload("b.png", PNG)]},
        **auth,
    )
    assert many.status_code == 400
    unknown = client.post("/api/v1/tickets", {**fields, "product": "nope"}, **auth)
    assert unknown.status_code == 400
    assert not Ticket.objects.filter(requester=member).exists()


def test_reply_and_close(client, tickets, member, bearer):
    auth = bearer(member, scopes=["read", "write"])
    number = tickets["mine"].number
    reply = client.post(
        f"/api/v1/tickets/{number}/replies",
        {
            "body": "We deliver to https://hooks.example.com/relay.",
            "files": [upload("log.png", PNG)],
        },
        **auth,
    )
    assert reply.status_code == 201, reply.content
    last = reply.json()["messages"][-1]
    assert last["from_support"] is False and [a["name"] for a in last["attachments"]] == ["log.png"]
    closed = client.post(f"/api/v1/tickets/{number}/close", **auth)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    again = client.post(f"/api/v1/tickets/{number}/replies", {"body": "One more thing."}, **auth)
    assert again.status_code == 403


def test_a_token_cannot_touch_another_persons_ticket(client, tickets, member, bearer):
    auth = bearer(member, scopes=["read", "write"])
    number = tickets["theirs"].number
    assert (
        client.post(
            f"/api/v1/tickets/{number}/replies", {"body": "Hello there."}, **auth
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/tickets/{number}/close", **auth).status_code == 404
    tickets["theirs"].refresh_from_db()
    assert tickets["theirs"].status == Ticket.Status.NEW
    assert tickets["theirs"].messages.count() == 0


def test_a_read_token_cannot_file_reply_or_close(client, tickets, member, bearer):
    auth = bearer(member)
    number = tickets["mine"].number
    assert client.post(f"/api/v1/tickets/{number}/close", **auth).status_code == 403
    assert (
        client.post(f"/api/v1/tickets/{number}/replies", {"body": "Hi there."}, **auth).status_code
        == 403
    )
    tickets["mine"].refresh_from_db()
    assert tickets["mine"].status != Ticket.Status.CLOSED


def test_a_ticket_answers_304_until_it_changes(client, tickets, member, bearer):
    auth = bearer(member, scopes=["read", "write"])
    url = f"/api/v1/tickets/{tickets['mine'].number}"
    first = client.get(url, **auth)
    etag = first["ETag"]
    assert "private" in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag, **auth).status_code == 304
    client.post(f"{url}/replies", {"body": "It works again, thank you."}, **auth)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_writes_count_against_the_tokens_rate_limit(client, tickets, member, bearer, settings):
    settings.PORTICO_RATE_LIMITS_ENABLED = True
    settings.PORTICO_RATE_LIMITS = {**settings.PORTICO_RATE_LIMITS, "api_token": "2/m"}
    auth = bearer(member, scopes=["read", "write"])
    url = f"/api/v1/tickets/{tickets['mine'].number}"
    assert client.get(url, **auth).status_code == 200
    assert client.post(f"{url}/replies", {"body": "One more detail."}, **auth).status_code == 201
    limited = client.post(f"{url}/replies", {"body": "And another one."}, **auth)
    assert limited.status_code == 429
    assert limited["Retry-After"]
    assert tickets["mine"].messages.filter(body="And another one.").count() == 0
