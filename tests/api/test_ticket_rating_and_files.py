"""Through API v1: the rating of the person's own solved request (read and written as
the token's person; nobody else's), and their ticket's files downloaded with the token
(the requester: never a file of an internal note; an agent: any)."""

import json

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from tests.tickets.conftest import PDF, PNG, upload
from tickets import services
from tickets.models import SatisfactionRating

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
    services.reply_as_agent(
        mine,
        agent,
        "Here is the guide.",
        files=[upload("guide.pdf", PDF)],
        status="solved",
        notify=False,
    )
    services.add_internal_note(mine, agent, "Internal log.", files=[upload("internal.pdf", PDF)])
    theirs = file(other_member, "Someone else's problem")
    services.change_status(theirs, agent, "solved", notify=False)
    return {"mine": mine, "theirs": theirs}


def post_json(client, url, data, auth):
    return client.post(url, json.dumps(data), content_type="application/json", **auth)


def test_rate_a_solved_request_and_read_the_rating(client, tickets, member, bearer):
    auth = bearer(member, scopes=["read", "write"])
    number = tickets["mine"].number
    assert client.get(f"/api/v1/tickets/{number}", **auth).json()["rating"] is None
    response = post_json(
        client, f"/api/v1/tickets/{number}/rating", {"score": "bad", "comment": "Slow"}, auth
    )
    assert response.status_code == 200, response.content
    assert response.json()["score"] == "bad" and response.json()["comment"] == "Slow"
    rating = SatisfactionRating.objects.get(ticket=tickets["mine"])
    assert rating.source == "api" and rating.rated_by == member
    # Changed within the window; the comment stays when left out.
    post_json(client, f"/api/v1/tickets/{number}/rating", {"score": "good"}, auth)
    data = client.get(f"/api/v1/tickets/{number}", **auth).json()
    assert data["rating"]["score"] == "good" and data["rating"]["comment"] == "Slow"
    listed = client.get("/api/v1/tickets", **auth).json()["results"]
    assert listed[0]["rating"]["score"] == "good"


def test_rating_refusals(client, tickets, member, bearer, file_ticket_api):
    auth = bearer(member, scopes=["read", "write"])
    theirs = tickets["theirs"].number
    assert (
        post_json(client, f"/api/v1/tickets/{theirs}/rating", {"score": "good"}, auth).status_code
        == 404
    )
    read_only = bearer(member)
    mine = tickets["mine"].number
    assert (
        post_json(
            client, f"/api/v1/tickets/{mine}/rating", {"score": "good"}, read_only
        ).status_code
        == 403
    )
    assert post_json(
        client, f"/api/v1/tickets/{mine}/rating", {"score": "meh"}, auth
    ).status_code in (400, 422)
    unsolved = file_ticket_api(member)
    response = post_json(
        client, f"/api/v1/tickets/{unsolved.number}/rating", {"score": "good"}, auth
    )
    assert response.status_code == 403
    assert not SatisfactionRating.objects.exists()


@pytest.fixture
def file_ticket_api(products):
    def make(requester):
        return services.file_ticket(
            requester,
            product=products["relay"],
            subject="Still waiting on this",
            description="Nothing happened yet on this request at all.",
            enforce_limits=False,
            notify=False,
        )

    return make


def test_the_requester_downloads_their_files_with_the_token(client, tickets, member, bearer):
    auth = bearer(member)
    data = client.get(f"/api/v1/tickets/{tickets['mine'].number}", **auth).json()
    names = [a["name"] for a in data["attachments"]] + [
        a["name"] for m in data["messages"] for a in m["attachments"]
    ]
    assert names == ["screen.png", "guide.pdf"]  # never the internal note's file
    url = data["messages"][0]["attachments"][0]["download_url"].split("testserver", 1)[1]
    response = client.get(url, **auth)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "guide.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    image = data["attachments"][0]["download_url"].split("testserver", 1)[1]
    assert client.get(image, **auth)["Content-Type"] == "image/png"
    # Without a token (no session either), nothing.
    assert client.get(url).status_code == 401


def test_internal_and_other_peoples_files_are_not_found(
    client, tickets, member, other_member, agent, bearer
):
    internal = tickets["mine"].attachments.get(name="internal.pdf")
    number = tickets["mine"].number
    assert (
        client.get(
            f"/api/v1/tickets/{number}/attachments/{internal.pk}", **bearer(member)
        ).status_code
        == 404
    )
    screen = tickets["mine"].attachments.get(name="screen.png")
    url = f"/api/v1/tickets/{number}/attachments/{screen.pk}"
    assert client.get(url, **bearer(other_member)).status_code == 404
    # The file of one ticket under another ticket's number: not found either.
    theirs = tickets["theirs"].number
    assert (
        client.get(
            f"/api/v1/tickets/{theirs}/attachments/{screen.pk}", **bearer(other_member)
        ).status_code
        == 404
    )
    # An agent's token gets every file, internal ones too.
    agent_auth = bearer(agent)
    assert client.get(url, **agent_auth).status_code == 200
    response = client.get(f"/api/v1/tickets/{number}/attachments/{internal.pk}", **agent_auth)
    assert response.status_code == 200
