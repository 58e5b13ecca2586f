"""Hostile input on every form and endpoint of the portal's own apps.

Every URL of the portal's apps is listed below, either as a form or JSON endpoint (with
the fields it reads) or as a page that takes no POST. Hypothesis posts malformed values
— wrong types, integers out of range, unknown ids, several values for one field, NUL
bytes, very long strings, deeply nested JSON files — as an anonymous visitor and as a
signed-in member. The answer must be a clear 4xx, or the normal page (200 re-render with
errors, 302 redirect): never a server error. The test client re-raises any exception a
view lets through, so a 500 fails with its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum import services as forum_services
from tests.factories import make_article, make_category
from tickets import services as ticket_services
from users.tokens import create_token

MAX_EXAMPLES = 25
HUGE = "9223372036854775808"
NESTED_JSON = b"[" * 100_000 + b"]" * 100_000

HOSTILE_TEXT = [
    HUGE,
    "-9223372036854775809",
    "99999999999999999999999999999999999999",
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "abc",
    "",
    " ",
    "\x00",
    "a\x00b",
    "[]",
    "{}",
    "null",
    "true",
    "٣",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "x" * 100_000,
    "[" * 100_000,
]

scalar = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=40),
)
# Several values for one field (``a=1&a=2``), as a list in the test client.
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))
# Path parameters: the URL converters let any digits through (``<int:pk>``).
path_id = st.sampled_from(["0", "1", "999999", HUGE, "1" * 40])


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


hostile_file = st.sampled_from(
    [
        ("nested.json", NESTED_JSON),
        ("nested.har", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        ("bad.json", b'{"a": NaN, '),
        ("empty.txt", b""),
        ("nul.txt", b"a\x00b"),
        ("na\x00me.txt", b"hello"),
        ("../../etc/passwd.txt", b"hello"),
        ("x" * 300 + ".txt", b"hello"),
        ("image.png", b"not a png"),
        ("noext", b"hello"),
        ("latin1.csv", "café".encode("latin-1")),
    ]
).map(lambda item: _file(*item))


@dataclass(frozen=True)
class Endpoint:
    """A URL of the portal that reads input; ``kwargs`` names the objects in ``world``."""

    name: str
    fields: tuple[str, ...] = ()
    kwargs: dict = field(default_factory=dict)
    method: str = "post"
    files: tuple[str, ...] = ()
    json: bool = False  # also asked with ``Accept: application/json``

    @property
    def id(self) -> str:
        return f"{self.method}:{self.name}"


QUESTION_FIELDS = ("title", "product", "tags", "body", "website")
TICKET_FIELDS = ("product", "subject", "description", "priority", "categories")

ENDPOINTS = [
    # Forum
    Endpoint("forum:ask", QUESTION_FIELDS),
    Endpoint("forum:edit_question", QUESTION_FIELDS, {"pk": "question"}),
    Endpoint("forum:edit_answer", ("body", "website"), {"pk": "answer"}),
    Endpoint("forum:answer", ("body", "website"), {"pk": "question"}),
    Endpoint("forum:comment", ("body", "answer", "website"), {"pk": "question"}),
    Endpoint("forum:watch", ("action",), {"pk": "question"}),
    Endpoint("forum:accept", ("action",), {"pk": "answer"}),
    Endpoint("forum:vote", ("value",), {"kind": "question", "pk": "question"}, json=True),
    Endpoint("forum:vote", ("value",), {"kind": "answer", "pk": "other_answer"}, json=True),
    Endpoint("forum:flag", ("reason", "duplicate_of", "note"), {"kind": "answer", "pk": "answer"}),
    Endpoint("forum:settings", ("email_on_answers", "email_on_mentions")),
    Endpoint("forum:unsubscribe", (), {"token": "token"}),
    Endpoint("forum:similar", ("q",), method="get"),
    Endpoint("forum:tag_suggestions", ("q",), method="get"),
    Endpoint("forum:index", ("page", "sort", "filter"), method="get"),
    Endpoint("forum:preview", ("body",)),
    Endpoint("forum:follow_tag", ("action", "next"), {"tag_slug": "webhooks"}),
    # Knowledge base
    Endpoint("kb:helpful_vote", ("helpful", "comment"), {"article_id": "article"}, json=True),
    Endpoint("kb:follow_category", ("action", "next"), {"category_id": "category"}),
    # Search
    Endpoint("search_click", ("token", "rank", "item")),
    Endpoint("search", ("q", "page", "sort", "type", "product", "tag"), method="get"),
    Endpoint("api_search", ("q", "page", "sort", "type", "product", "tag"), method="get"),
    Endpoint("api_search_suggest", ("q", "limit"), method="get"),
    # Support
    Endpoint("support:new", ("action", "product", "subject", "description", "searched")),
    Endpoint("support:new", ("q",), method="get"),
    Endpoint("support:suggest", ("product", "subject", "description", "searched")),
    Endpoint("support:solved", ("key",)),
    Endpoint("support:restart", ()),
    Endpoint("support:answer_feedback", ("token", "helpful", "next")),
    Endpoint("support:details", TICKET_FIELDS, files=("attachments",)),
    Endpoint("support:reply", ("body",), {"number": "ticket"}, files=("attachments",)),
    Endpoint("support:close", (), {"number": "ticket"}),
    Endpoint("support:reopen", (), {"number": "ticket"}),
    Endpoint("support:rate", ("score", "comment"), {"number": "ticket"}),
    Endpoint("support:rate_link", ("score", "comment"), {"number": "ticket", "token": "token"}),
    Endpoint("support:tickets", ("page", "show"), method="get"),
    # Accounts
    Endpoint("users:profile", ("display_name", "declared_products", "declared_role")),
    Endpoint("users:api_token_create", ("name", "scopes", "expires_in")),
    Endpoint("users:api_token_revoke", (), {"token_id": "api_token"}),
    Endpoint("users:notifications_read", ("id", "next")),
    Endpoint("announcements_account:subscriptions", ("products",)),
    Endpoint("announcements_account:unsubscribe", (), {"token": "token"}),
    Endpoint("account_login", ("login", "password", "remember")),
]

# Pages that read no form: a POST is refused (405) or, for members-only pages, sent to
# sign in first. Their path parameters are still fuzzed below.
READ_ONLY = {
    "forum:product": {"product_slug": "relay"},
    "forum:tags": {},
    "forum:tag": {"tag_slug": "webhooks"},
    "forum:question_short": {"pk": "question"},
    "forum:history": {"pk": "question"},
    "forum:question": {"pk": "question", "slug": "x"},
    "forum:profile": {"username": "member"},
    "support:index": {},
    "users:notifications": {},
    "support:open": {"key": "article:1"},
    "support:done": {},
    "support:ticket": {"number": "ticket"},
    "support:attachment": {"pk": "999", "name": "x.txt"},
    "announcements:rss": {},
    "announcements:atom": {},
}

PORTAL_NAMESPACES = {"forum", "support", "kb", "users", "announcements_account", "announcements"}
PORTAL_NAMES = {"search", "search_click", "api_search", "api_search_suggest", "account_login"}


def _portal_url_names() -> set[str]:
    """Every named URL of the portal's own apps (Wagtail admin and allauth left out,
    except the sign-in form)."""
    names: set[str] = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                if namespace in PORTAL_NAMESPACES:
                    names.add(f"{namespace}:{pattern.name}")
                elif namespace is None and pattern.name in PORTAL_NAMES:
                    names.add(pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_portal_url_is_covered():
    covered = {endpoint.name for endpoint in ENDPOINTS} | set(READ_ONLY)
    names = _portal_url_names()
    assert names >= PORTAL_NAMES
    assert names - covered == set(), "new URLs: add them to ENDPOINTS or READ_ONLY"


# --- The world the requests run in -------------------------------------------------------


@pytest.fixture
def world(home, products, member, other_member):
    category = make_category(title="Webhooks")
    article = make_article(category, "Verify webhook signatures")
    question = forum_services.ask_question(
        member,
        title="How do I rotate the webhook signing secret?",
        body="We rotated the secret and now every delivery fails.",
        product=products["relay"],
        tags="webhooks",
        enforce_limits=False,
    )
    answer = forum_services.post_answer(
        question, member, body="Rotate it in Settings, then redeploy.", enforce_limits=False
    )
    other_answer = forum_services.post_answer(
        question, other_member, body="Or wait a day for the old one.", enforce_limits=False
    )
    ticket = ticket_services.file_ticket(
        member,
        product=products["relay"],
        subject="Webhook deliveries fail with 401",
        description="Since this morning every webhook delivery to our endpoint fails.",
        enforce_limits=False,
    )
    return {
        "question": question.pk,
        "answer": answer.pk,
        "other_answer": other_answer.pk,
        "article": article.pk,
        "category": category.pk,
        "ticket": ticket.number,
        "token": "not-a-token:x",
        "api_token": create_token(member, name="CI")[0].pk,
    }


def _client(who: str, member) -> Client:
    client = Client(raise_request_exception=True)
    if who == "member":
        client.force_login(member)
        # A support draft, so the details step reads the form rather than redirecting.
        session = client.session
        session["support_draft"] = {"product": "relay", "subject": "Webhooks", "description": ""}
        session.save()
    return client


def _assert_handled(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"
    assert response.status_code in (200, 204, 301, 302, 400, 403, 404, 405, 413, 429), (
        f"{what} answered {response.status_code}"
    )


HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
@HYPOTHESIS
@given(data=st.data())
def test_hostile_values_never_cause_a_server_error(endpoint, who, world, member, data):
    client = _client(who, member)
    kwargs = {}
    for key, ref in endpoint.kwargs.items():
        if ref in world and data.draw(st.booleans(), label=f"real {key}"):
            kwargs[key] = world[ref]
        elif ref in world:
            kwargs[key] = data.draw(path_id, label=key)
        else:
            kwargs[key] = ref
    url = reverse(endpoint.name, kwargs=kwargs)
    chosen = (
        data.draw(st.lists(st.sampled_from(endpoint.fields), unique=True), label="fields")
        if endpoint.fields
        else []
    )
    payload = {name: data.draw(value, label=name) for name in chosen}
    unknown = data.draw(st.dictionaries(st.text(max_size=10), scalar, max_size=2))
    payload = {**unknown, **payload}
    for name in endpoint.files:
        payload[name] = data.draw(st.lists(hostile_file, max_size=2), label=name)
    headers = {}
    if endpoint.json and data.draw(st.booleans(), label="json"):
        headers["accept"] = "application/json"
    send = client.get if endpoint.method == "get" else client.post
    response = send(url, payload, headers=headers)
    _assert_handled(response, f"{endpoint.method.upper()} {url} {sorted(payload)}")


# Feeds answer any method with the same public document: they read nothing posted.
FEEDS = {"announcements:rss", "announcements:atom"}


@pytest.mark.parametrize("name", sorted(set(READ_ONLY) - FEEDS))
def test_pages_without_forms_take_no_post(name, world, member):
    client = _client("member", member)
    kwargs = {key: world.get(ref, ref) for key, ref in READ_ONLY[name].items()}
    response = client.post(reverse(name, kwargs=kwargs), {"x": HUGE})
    assert response.status_code == 405


@pytest.mark.parametrize("name", sorted(n for n, kw in READ_ONLY.items() if kw))
@HYPOTHESIS
@given(data=st.data())
def test_hostile_path_values_on_pages(name, world, member, data):
    client = _client(data.draw(st.sampled_from(["anonymous", "member"])), member)
    kwargs = {}
    for key, ref in READ_ONLY[name].items():
        if key in ("pk", "number"):
            kwargs[key] = data.draw(path_id, label=key)
        else:
            kwargs[key] = data.draw(
                st.sampled_from([ref, HUGE, "x" * 500, "%00", "ü", "a\x00b"]), label=key
            )
    try:
        url = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return  # the URL pattern itself refuses it (a slug with other characters)
    response = client.get(url)
    _assert_handled(response, f"GET {name} {kwargs}")
