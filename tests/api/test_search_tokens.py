"""The search API (``search/views.py``, its contract unchanged) takes a token too: the
token's person finds what they may see, an outsider's token and anonymous callers find
public content only, and a bad header is a 401 in the one error shape."""

import pytest

from search.backends import reset_backends
from tests.tickets.support import index_now, use_fresh_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(settings, tmp_path, content):
    use_fresh_index(settings, tmp_path)
    index_now()
    yield content
    reset_backends()


def titles(response):
    assert response.status_code == 200, response.content
    return [result["title"] for result in response.json()["results"]]


def test_search_answers_as_the_tokens_person(client, indexed, member, other_member, bearer):
    url = "/api/v1/search?q=quetzalcoatl"
    assert "Warehouse beta connector" in titles(client.get(url, **bearer(member)))
    for headers in (bearer(other_member), {}):
        response = client.get(url, **headers)
        assert "Warehouse beta connector" not in titles(response)
        assert "quetzalcoatl connector" not in response.content.decode()
    assert "Authorization" in client.get(url)["Vary"]


def test_suggest_answers_as_the_tokens_person(client, indexed, member, other_member, bearer):
    url = "/api/v1/search/suggest?q=wareh"
    granted = client.get(url, **bearer(member))
    assert granted.status_code == 200
    assert "Warehouse beta connector" in granted.content.decode()
    outsider = client.get(url, **bearer(other_member))
    assert outsider.status_code == 200
    assert "Warehouse beta connector" not in outsider.content.decode()


def test_the_contract_holds_and_bad_tokens_are_refused(client, indexed, member):
    unknown = client.get("/api/v1/search?q=agent&nope=1")
    assert unknown.status_code == 400
    assert unknown.json() == {"error": {"status": 400, "message": "Unknown parameter(s): nope."}}
    for header in ("Bearer ptk_nope", "Basic abc"):
        response = client.get("/api/v1/search?q=agent", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json()["error"]["status"] == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    client.force_login(member)  # a bad header never falls back to the session
    response = client.get("/api/v1/search/suggest?q=ag", HTTP_AUTHORIZATION="Bearer ptk_x")
    assert response.status_code == 401
