"""API v1: access through the one policy (a token is its person, never more), cursor
pagination, filters, ETags, the error shape, and the token's whole life."""

from datetime import timedelta

import pytest
from django.utils import timezone

from users import tokens
from users.models import ApiToken

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# --- Access ---------------------------------------------------------------------------


def test_a_restricted_article_is_visible_with_a_granted_persons_token(
    client, content, member, bearer
):
    auth = bearer(member)
    response = client.get(f"/api/v1/articles/{content['secret'].pk}", **auth)
    assert response.status_code == 200
    data = response.json()
    assert data["restricted"] is True
    assert "quetzalcoatl connector" in data["body_html"]
    assert content["secret"].pk in ids(client.get("/api/v1/articles", **auth))


def test_a_restricted_article_is_404_for_an_outsiders_token_and_anonymously(
    client, content, other_member, bearer
):
    secret = content["secret"]
    for headers in (bearer(other_member), {}):
        response = client.get(f"/api/v1/articles/{secret.pk}", **headers)
        assert response.status_code == 404
        assert response.json() == {"error": {"status": 404, "message": "Not found."}}
        listed = client.get("/api/v1/articles", **headers)
        assert secret.pk not in ids(listed)
        assert content["public"].pk in ids(listed)
        assert "quetzalcoatl" not in listed.content.decode()


def test_every_resource_hides_restricted_items_from_outsiders(
    client, content, member, other_member, bearer
):
    cases = [
        ("announcements", content["secret_news"], content["news"]),
        ("questions", content["secret_question"], content["question"]),
    ]
    for resource, secret, public in cases:
        outsider = bearer(other_member)
        assert client.get(f"/api/v1/{resource}/{secret.pk}", **outsider).status_code == 404
        assert client.get(f"/api/v1/{resource}/{secret.pk}").status_code == 404
        assert secret.pk not in ids(client.get(f"/api/v1/{resource}", **outsider))
        assert public.pk in ids(client.get(f"/api/v1/{resource}", **outsider))
        granted = bearer(member)
        assert client.get(f"/api/v1/{resource}/{secret.pk}", **granted).status_code == 200
        assert secret.pk in ids(client.get(f"/api/v1/{resource}", **granted))


def test_a_category_counts_only_the_articles_its_reader_may_see(client, content, member, bearer):
    beta = content["beta"].pk
    anonymous = {c["id"]: c for c in client.get("/api/v1/categories").json()["results"]}
    granted = {
        c["id"]: c for c in client.get("/api/v1/categories", **bearer(member)).json()["results"]
    }
    assert anonymous[beta]["article_count"] == 0
    assert granted[beta]["article_count"] == 1
    detail = client.get(f"/api/v1/categories/{beta}").json()
    assert detail["title"] == "Beta"


def test_a_token_does_not_outrank_the_session_it_replaces(
    client, content, member, other_member, bearer
):
    """Signed in as a granted person but calling with an outsider's token: the token
    decides, so the restricted article stays hidden."""
    client.force_login(member)
    assert client.get(f"/api/v1/articles/{content['secret'].pk}").status_code == 200
    response = client.get(f"/api/v1/articles/{content['secret'].pk}", **bearer(other_member))
    assert response.status_code == 404


def test_a_question_lists_only_the_answers_its_reader_may_see(
    client, content, member, staff, bearer
):
    from forum.models import Answer

    question = content["question"]
    hidden = Answer.objects.create(question=question, author=member, body="Hidden.")
    Answer.objects.filter(pk=hidden.pk).update(is_hidden=True)
    answers = client.get(f"/api/v1/questions/{question.pk}").json()["answers"]
    assert [a["id"] for a in answers] != [] and hidden.pk not in [a["id"] for a in answers]
    assert "<strong>Retry</strong>" in answers[0]["body_html"]
    moderated = client.get(f"/api/v1/questions/{question.pk}", **bearer(staff)).json()
    assert hidden.pk in [a["id"] for a in moderated["answers"]]


# --- Lists ----------------------------------------------------------------------------


def test_cursor_pagination_walks_every_item_once(client, content, member, bearer):
    from tests.factories import make_article

    for n in range(5):
        make_article(content["guides"], title=f"Extra {n}")
    auth = bearer(member)
    everything = ids(client.get("/api/v1/articles?limit=100", **auth))
    assert len(everything) == 7
    assert everything == sorted(everything, reverse=True)
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/articles?limit=3" + (f"&cursor={cursor}" if cursor else "")
        data = client.get(url, **auth).json()
        seen += [item["id"] for item in data["results"]]
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    assert pages == 3


def test_filters_by_category_tag_and_language(client, content):
    def listed(query):
        return ids(client.get(f"/api/v1/articles?{query}"))

    assert listed(f"category={content['guides'].pk}") == [content["public"].pk]
    assert listed(f"category={content['beta'].pk}") == []
    assert listed("tag=install") == [content["public"].pk]
    assert listed("tag=beta-connector") == []  # restricted
    assert listed("language=en") == [content["public"].pk]
    assert listed("language=fa") == []
    assert ids(client.get("/api/v1/announcements?product=relay")) == [content["news"].pk]
    assert ids(client.get("/api/v1/questions?product=relay")) == [content["question"].pk]


def test_bad_parameters_answer_400_in_the_one_error_shape(client, content):
    for url in (
        "/api/v1/articles?cursor=not-a-cursor",
        "/api/v1/articles?limit=0",
        "/api/v1/articles?limit=101",
        "/api/v1/articles?category=abc",
        "/api/v1/articles?language=%00",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        error = response.json()["error"]
        assert error["status"] == 400 and error["message"]


# --- ETag -----------------------------------------------------------------------------


def test_an_unchanged_answer_is_304_with_its_etag(client, content, member, bearer):
    auth = bearer(member)
    url = f"/api/v1/articles/{content['public'].pk}"
    first = client.get(url, **auth)
    etag = first["ETag"]
    assert etag.startswith('"') and "private" in first["Cache-Control"]
    assert "Authorization" in first["Vary"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    listing = client.get("/api/v1/articles", **auth)
    assert (
        client.get("/api/v1/articles", HTTP_IF_NONE_MATCH=listing["ETag"], **auth).status_code
        == 304
    )

    page = content["public"]
    page.title = "Install the agent on Linux"
    page.save_revision().publish()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_etag_differs_between_people_who_see_different_things(
    client, content, member, other_member, bearer
):
    granted = client.get("/api/v1/articles", **bearer(member))
    outsider = client.get(
        "/api/v1/articles", HTTP_IF_NONE_MATCH=granted["ETag"], **bearer(other_member)
    )
    assert outsider.status_code == 200
    assert outsider["ETag"] != granted["ETag"]


# --- Tokens ---------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_sha256(member):
    import hashlib

    token, raw = tokens.create_token(member, name="CI", scopes=["read"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("ptk_") and len(raw) > 40
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in repr(
        ApiToken.objects.filter(pk=token.pk).values().get()
    )  # nowhere in the row
    assert stored.prefix == raw[:10]
    assert tokens.authenticate(raw).pk == token.pk
    assert tokens.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


@pytest.mark.parametrize("how", ["revoked", "expired", "deactivated", "unknown", "malformed"])
def test_an_unusable_token_is_401_with_the_error_body(client, content, member, how):
    token, raw = tokens.create_token(member, name="CI")
    if how == "revoked":
        tokens.revoke_token(token)
    elif how == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif how == "deactivated":
        member.is_active = False
        member.save()
    elif how == "unknown":
        raw = tokens.TOKEN_PREFIX + "x" * 43
    header = f"Token {raw}" if how == "malformed" else f"Bearer {raw}"
    response = client.get("/api/v1/articles", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["error"]["status"] == 401 and body["error"]["message"]
    # Never a fall-back to the session either.
    client.force_login(member)
    assert client.get("/api/v1/articles", HTTP_AUTHORIZATION=header).status_code == 401


def test_a_token_without_the_read_scope_is_refused(client, content, member):
    _token, raw = tokens.create_token(member, name="hooks", scopes=["integrations"])
    response = client.get("/api/v1/articles", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403


def test_last_used_is_written_at_most_once_a_minute(member, django_assert_num_queries):
    token, raw = tokens.create_token(member, name="CI")
    start = timezone.now()
    with django_assert_num_queries(2):  # the lookup, the first write
        tokens.authenticate(raw, now=start)
    with django_assert_num_queries(1):  # the lookup only
        tokens.authenticate(raw, now=start + timedelta(seconds=59))
    token.refresh_from_db()
    assert token.last_used_at == start
    with django_assert_num_queries(2):
        tokens.authenticate(raw, now=start + timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_expired_tokens_stop_at_their_time(member):
    token, raw = tokens.create_token(member, name="CI", expires_at=tokens.expiry_in(30))
    assert tokens.authenticate(raw, now=timezone.now() + timedelta(days=29)) is not None
    assert tokens.authenticate(raw, now=timezone.now() + timedelta(days=31)) is None


def test_unknown_scopes_are_refused(member):
    with pytest.raises(tokens.InvalidScopes):
        tokens.create_token(member, name="x", scopes=["admin"])
    with pytest.raises(tokens.InvalidScopes):
        tokens.create_token(member, name="x", scopes=[])


# --- Rate limits ----------------------------------------------------------------------


def test_rate_limits_count_per_token_and_per_address(client, content, member, settings, bearer):
    settings.PORTICO_RATE_LIMITS_ENABLED = True
    settings.PORTICO_RATE_LIMITS = {
        **settings.PORTICO_RATE_LIMITS,
        "api": "2/m",
        "api_token": "3/m",
    }
    auth = bearer(member)
    statuses = [client.get("/api/v1/categories", **auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another token of the same person has its own count; the address its own.
    assert client.get("/api/v1/categories", **bearer(member)).status_code == 200
    anonymous = [client.get("/api/v1/categories").status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]
    limited = client.get("/api/v1/categories")
    assert limited["Retry-After"]
    assert limited.json()["error"]["status"] == 429
    # Guessing tokens counts against the address too.
    guess = client.get("/api/v1/categories", HTTP_AUTHORIZATION="Bearer ptk_guess")
    assert guess.status_code == 429


# --- The documents --------------------------------------------------------------------


def test_the_openapi_document_describes_every_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/categories",
        "/api/v1/categories/{category_id}",
        "/api/v1/announcements",
        "/api/v1/announcements/{announcement_id}",
        "/api/v1/questions",
        "/api/v1/questions/{question_id}",
        "/api/v1/search",
        "/api/v1/search/suggest",
    ):
        assert "get" in schema["paths"][path], path
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_reference_page_uses_nothing_from_elsewhere(client, home):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "GET /api/v1/articles" in html
    assert "POST /api/v1/tickets" in html and "multipart/form-data" in html
    assert "“write” scope" in html and "integration token" in html
    assert "/api/v1/openapi.json" in html
    assert "cdn." not in html and "<script>" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_lists_cost_the_same_queries_for_few_or_many_items(
    client, content, member, bearer, django_assert_max_num_queries
):
    """No query per item: each list costs the same with two items or ten."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_announcement, make_article
    from tests.indexing.helpers import ask

    auth = bearer(member)
    urls = ("/api/v1/articles", "/api/v1/announcements", "/api/v1/questions", "/api/v1/categories")

    def costs():
        found = {}
        for url in urls:
            client.get(url, **auth)  # warm the per-process caches (site, locales)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, **auth).status_code == 200
            found[url] = len(queries)
        return found

    before = costs()
    for n in range(8):
        make_article(content["guides"], title=f"More {n}", tags=[f"t{n}"])
        make_announcement(title=f"News {n}", segments=[content["news"].segments.first()])
        ask(member, content["question"].product, title=f"Question number {n}", tags=[f"q{n}"])
    after = costs()
    assert after == before
    with django_assert_max_num_queries(12):
        client.get("/api/v1/articles", **auth)
