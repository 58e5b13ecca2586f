"""What the search service finds and in which order, on every backend (embedded, osmem,
and a real cluster when OPENSEARCH_URL is set): real content, real pipeline, real engine."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum import services as forum
from search import service
from search.models import Synonym
from search.service import SearchRequest
from tests.factories import UserFactory, grant, make_announcement, make_article, make_category
from tests.indexing.helpers import answer, ask
from tests.search.support import BACKENDS
from users.services import update_profile

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.parametrize("site_backend", BACKENDS, indirect=True),
]


LONG = "It worked yesterday and nothing changed on our side since then."


def titles(q, user=None, **fields):
    page = service.search(SearchRequest(q=q, **fields), user)
    assert not page.error, page.error
    return [r.title for r in page.results]


@pytest.fixture
def sync(site_backend, sync_search):
    return sync_search


def test_an_exact_title_beats_a_body_mention(home, site_backend, sync):
    category = make_category(title="Billing")
    make_article(
        category,
        title="Understand your invoice",
        body="Your invoice lists each charge. " + "Refund requests go to billing. " * 3,
    )
    make_article(category, title="Request a refund", body="Open Billing and choose the charge.")
    sync()
    assert titles("request a refund")[0] == "Request a refund"
    assert titles("refund")[0] == "Request a refund"


def test_a_solved_question_beats_an_unanswered_one(home, products, member, site_backend, sync):
    helper = UserFactory(username="helper")
    ask(member, products["relay"], title="Webhook signature mismatch after deploy", body=LONG)
    solved = ask(
        member, products["relay"], title="Webhook signature mismatch after rotation", body=LONG
    )
    forum.accept_answer(
        answer(solved, helper, body="Use the new secret from the dashboard."), member, notify=False
    )
    sync()
    assert titles("webhook signature mismatch")[0] == solved.title


def test_old_unanswered_questions_sink(home, products, member, site_backend, sync):
    old = ask(member, products["atlas"], title="Dashboard export to PDF is blank", body=LONG)
    new = ask(member, products["atlas"], title="Dashboard export to PDF is blank!", body=LONG)
    from forum.models import Question

    Question.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    from indexing.services import enqueue

    enqueue([f"question:{old.pk}"], "test")
    sync()
    assert titles("dashboard export pdf blank") == [new.title, old.title]


def test_a_members_products_come_first(home, products, member, site_backend, sync):
    category = make_category(title="Connections")
    make_article(category, title="Connect a data source", segments=[products["ledger"]])
    make_article(category, title="Connect a data source", segments=[products["atlas"]])
    sync()
    update_profile(member, display_name="", declared_products=[products["atlas"]])
    page = service.search(SearchRequest(q="connect data source"), member)
    assert page.results[0].products == ["atlas"]
    update_profile(member, display_name="", declared_products=[products["ledger"]])
    member = type(member).objects.get(pk=member.pk)  # a new request, a new user object
    page = service.search(SearchRequest(q="connect data source"), member)
    assert page.results[0].products == ["ledger"]


def test_one_unknown_word_does_not_empty_the_page(home, site_backend, sync):
    make_article(make_category(), title="Rotate API keys", body="Create a new key first.")
    sync()
    assert titles("rotate api keys zebra") == ["Rotate API keys"]
    assert titles("rotate keys zebra giraffe") == ["Rotate API keys"]


def test_english_stemming(home, site_backend, sync):
    make_article(make_category(), title="Exporting invoices", body="Each invoice is exported.")
    sync()
    assert titles("export invoice") == ["Exporting invoices"]


def test_synonyms_apply_at_once_without_a_reindex(home, site_backend, sync):
    make_article(make_category(), title="Sign in with your company account", body="Use SSO.")
    sync()
    assert titles("log in") == []
    Synonym.objects.create(terms="log in, sign in, login")
    assert titles("log in") == ["Sign in with your company account"]
    assert titles("login problems") == ["Sign in with your company account"]


def test_articles_and_questions_are_both_shown(home, products, member, site_backend, sync):
    category = make_category(title="Webhooks")
    for n in range(6):
        make_article(
            category,
            title=f"Webhook delivery guide part {n}",
            body="Webhook delivery retries, webhook signatures and webhook logs. " * 20,
        )
    ask(member, products["relay"], title="Webhook delivery failing", body=LONG)
    sync()
    page = service.search(SearchRequest(q="webhook delivery"), None)
    assert "question" in [r.type for r in page.results[:5]], "long articles must not crowd out"


def test_announcements_freshness(home, site_backend, sync):
    old = make_announcement(title="Relay status page moved", date=timezone.localdate())
    from announcements.models import AnnouncementPage

    AnnouncementPage.objects.filter(pk=old.pk).update(
        date=timezone.localdate() - timedelta(days=400)
    )
    from indexing.services import enqueue

    enqueue([f"announcement:{old.pk}"], "test")
    make_announcement(title="Relay status page moved again", date=timezone.localdate())
    sync()
    assert titles("relay status page")[0] == "Relay status page moved again"


def test_facets_count_only_what_matches(home, products, member, site_backend, sync):
    category = make_category(title="Exports")
    make_article(category, title="Export to CSV", segments=[products["ledger"]], tags=["csv"])
    make_article(category, title="Export to Excel", segments=[products["atlas"]], tags=["excel"])
    ask(member, products["atlas"], title="Export stops at 10,000 rows", tags=["csv"])
    sync()
    page = service.search(SearchRequest(q="export"), None)
    facets = {name: {v.value: v.count for v in values} for name, values in page.facets.items()}
    assert facets["type"] == {"article": 2, "question": 1}
    assert facets["product"] == {"ledger": 1, "atlas": 2}
    assert facets["tag"] == {"csv": 2, "excel": 1}
    assert {
        r.title for r in service.search(SearchRequest(q="export", tags=["csv"]), None).results
    } == {
        "Export to CSV",
        "Export stops at 10,000 rows",
    }
    assert titles("export", products=["atlas"], types=["article"]) == ["Export to Excel"]


def test_suggest_titles_and_popular_queries(home, settings, site_backend, sync):
    from search.models import SearchLog

    make_article(make_category(), title="Reset your password", body="Use the link.")
    make_article(make_category(), title="Restrict access by IP", body="Allow-list addresses.")
    sync()
    found = [(s.kind, s.text) for s in service.suggest("res", None)]
    assert ("article", "Reset your password") in found
    assert ("article", "Restrict access by IP") in found
    assert [s.text for s in service.suggest("reset pa", None)] == ["Reset your password"]
    from search.analytics import aggregate_popular
    from tests.factories import UserFactory

    settings.SEARCH_POPULAR_MIN_PEOPLE = 2
    for name in ("a", "b"):
        SearchLog.objects.create(
            source="page", query="reset password", normalized="reset password",
            result_count=1, user=UserFactory(username=f"person-{name}"),
        )  # fmt: skip
    SearchLog.objects.create(
        source="page", query="reset zorblax", normalized="reset zorblax",
        result_count=1, user=UserFactory(username="person-c"),
    )  # fmt: skip
    assert aggregate_popular() == 1
    suggestions = service.suggest("reset", None)
    assert suggestions[0].kind == "query" and suggestions[0].text == "reset password"
    assert "reset zorblax" not in [s.text for s in suggestions]


def test_similar_finds_what_answers_a_question(home, products, member, site_backend, sync):
    category = make_category(title="Messaging")
    make_article(
        category,
        title="Why long SMS are billed as several segments",
        body="An SMS holds 160 GSM characters; longer messages are split into segments.",
    )
    make_article(category, title="Invite your team", body="Add people from Settings.")
    sync()
    results = service.similar(
        "My 150 character SMS was charged as three messages, why?", member, limit=3
    )
    assert results[0].title == "Why long SMS are billed as several segments"
    assert "segments" in results[0].snippet


def test_restricted_content_follows_grants(home, products, member, site_backend, sync):
    make_article(
        make_category(),
        title="Quokka migration runbook",
        body="Quokka steps.",
        segments=[products["ledger"]],
        restricted=True,
    )
    sync()
    assert titles("quokka", member) == []
    assert service.suggest("quok", member) == []
    grant(member, products["ledger"])
    member = type(member).objects.get(pk=member.pk)  # grants are cached per user object
    assert titles("quokka", member) == ["Quokka migration runbook"]
