"""'Was this helpful?': one answer per member or browser session, only where readable."""

import re

import pytest
from django.test import Client

from kb.models import HelpfulVote
from kb.services import ArticleUnavailable, record_helpful_vote
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def vote_url(article):
    return f"/feedback/articles/{article.pk}/helpful/"


def test_url_name():
    from django.urls import reverse

    assert reverse("kb:helpful_vote", args=[7]) == "/feedback/articles/7/helpful/"


def test_anonymous_vote_without_javascript(client, tree):
    response = client.post(vote_url(tree.install), {"helpful": "yes", "comment": "  Clear!  "})
    assert response.status_code == 302
    assert response["Location"] == tree.install.url + "#helpful"
    vote = HelpfulVote.objects.get()
    assert vote.article_id == tree.install.pk
    assert vote.helpful is True
    assert vote.comment == "Clear!"
    assert vote.user is None
    assert vote.session_key == client.session.session_key

    page = client.get(response["Location"]).content.decode()
    assert "Thanks for your feedback!" in page
    assert "You told us this article was helpful." in page


def test_anonymous_session_votes_once_and_can_change_its_answer(client, tree):
    client.post(vote_url(tree.install), {"helpful": "yes", "comment": "first"})
    client.post(vote_url(tree.install), {"helpful": "no"})
    vote = HelpfulVote.objects.get()
    assert vote.helpful is False
    assert vote.comment == "first"  # an empty comment keeps the earlier one
    client.post(vote_url(tree.install), {"helpful": "no", "comment": "second"})
    assert HelpfulVote.objects.get().comment == "second"
    page = client.get(tree.install.url).content.decode()
    assert "You told us this article wasn’t helpful." in page


def test_each_anonymous_session_gets_its_own_vote(tree):
    for helpful in ("yes", "no", "yes"):
        Client().post(vote_url(tree.install), {"helpful": helpful})
    assert HelpfulVote.objects.filter(article=tree.install).tally().yes == 2
    assert HelpfulVote.objects.count() == 3
    assert len(set(HelpfulVote.objects.values_list("session_key", flat=True))) == 3


def test_member_votes_once_even_from_two_browsers(tree, member):
    first, second = Client(), Client()
    first.force_login(member)
    second.force_login(member)
    first.post(vote_url(tree.install), {"helpful": "no", "comment": "Missing a step."})
    second.post(vote_url(tree.install), {"helpful": "yes"})
    vote = HelpfulVote.objects.get()
    assert vote.user == member
    assert vote.helpful is True
    assert vote.comment == "Missing a step."


def test_votes_on_different_articles_are_separate(client, tree, member):
    client.force_login(member)
    client.post(vote_url(tree.install), {"helpful": "yes"})
    client.post(vote_url(tree.configure), {"helpful": "no"})
    assert HelpfulVote.objects.count() == 2


def test_vote_with_javascript_returns_json(client, tree):
    response = client.post(
        vote_url(tree.install), {"helpful": "no", "comment": "Outdated"},
        headers={"accept": "application/json"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json() == {
        "message": "Thanks for your feedback! It helps us improve this article.",
        "helpful": False,
    }
    assert HelpfulVote.objects.get().comment == "Outdated"


@pytest.mark.parametrize(
    "data", [{}, {"helpful": "maybe"}, {"helpful": "yes", "comment": "x" * 2001}]
)
def test_invalid_answers_are_refused(client, tree, data):
    response = client.post(vote_url(tree.install), data, headers={"accept": "application/json"})
    assert response.status_code == 400
    assert "errors" in response.json()
    response = client.post(vote_url(tree.install), data, follow=True)
    assert response.redirect_chain[-1][0] == tree.install.url + "#helpful"
    assert 'class="message message--error"' in response.content.decode() or "error" in str(
        list(response.context["messages"])[0].tags
    )
    assert not HelpfulVote.objects.exists()


def test_get_is_not_allowed(client, tree):
    assert client.get(vote_url(tree.install)).status_code == 405


@pytest.mark.parametrize("who", ["anonymous", "member", "declared"])
def test_restricted_article_votes_are_404_for_outsiders(client, tree, member, products, who):
    if who == "member":
        client.force_login(member)
    if who == "declared":
        member.declared_products.add(products["atlas"])
        client.force_login(member)
    response = client.post(vote_url(tree.secret), {"helpful": "yes", "comment": "probe"})
    assert response.status_code == 404
    assert not HelpfulVote.objects.exists()


def test_granted_member_can_vote_on_restricted_article(client, tree, member, products):
    grant(member, products["atlas"])
    client.force_login(member)
    assert client.post(vote_url(tree.secret), {"helpful": "yes"}).status_code == 302
    assert HelpfulVote.objects.get().article_id == tree.secret.pk


@pytest.mark.parametrize("article", ["draft", "missing"])
def test_only_live_articles_accept_votes(client, tree, article):
    url = vote_url(tree.draft) if article == "draft" else "/feedback/articles/999999/helpful/"
    assert client.post(url, {"helpful": "yes"}).status_code == 404
    assert not HelpfulVote.objects.exists()


def test_votes_are_csrf_protected(tree):
    client = Client(enforce_csrf_checks=True)
    assert client.post(vote_url(tree.install), {"helpful": "yes"}).status_code == 403
    assert not HelpfulVote.objects.exists()

    page = client.get(tree.install.url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(vote_url(tree.install), {"helpful": "yes", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert HelpfulVote.objects.count() == 1


# --- Counts: editors and staff only ---------------------------------------------------


@pytest.fixture
def votes(tree):
    for helpful in (True, True, True, False):
        Client().post(
            vote_url(tree.install),
            {
                "helpful": "yes" if helpful else "no",
                "comment": "" if helpful else "Needs screenshots",
            },
        )
    return tree


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_counts_are_hidden_from_readers(client, votes, member, who):
    if who == "member":
        client.force_login(member)
    page = client.get(votes.install.url).content.decode()
    assert "Reader feedback" not in page
    assert "data-helpful-yes" not in page


@pytest.mark.parametrize("who", ["editor", "staff"])
def test_counts_are_shown_to_editors_and_staff(client, votes, request, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get(votes.install.url).content.decode()
    assert "Reader feedback" in page
    assert "<dd data-helpful-yes>3</dd>" in page
    assert "<dd data-helpful-no>1</dd>" in page
    assert "<dd data-helpful-share>75%</dd>" in page
    assert f"/admin/helpful_votes/?article={votes.install.pk}" in page


def test_tally():
    from kb.models import HelpfulTally

    assert HelpfulTally().share_helpful is None
    assert HelpfulTally(yes=2, no=1).share_helpful == 67
    assert HelpfulTally(yes=2, no=1).total == 3


# --- The service ----------------------------------------------------------------------


def test_service_refuses_articles_the_voter_may_not_see(tree, member):
    with pytest.raises(ArticleUnavailable):
        record_helpful_vote(tree.secret, user=member, helpful=True)
    with pytest.raises(ArticleUnavailable):
        record_helpful_vote(tree.secret, user=None, session_key="abc", helpful=True)
    with pytest.raises(ArticleUnavailable):
        record_helpful_vote(tree.draft, user=member, helpful=True)
    assert not HelpfulVote.objects.exists()


def test_service_needs_a_session_for_anonymous_votes(tree):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError):
        record_helpful_vote(tree.install, user=AnonymousUser(), session_key="", helpful=True)


def test_service_updates_instead_of_duplicating(tree, member):
    first = record_helpful_vote(tree.install, user=member, helpful=True, comment="Good")
    second = record_helpful_vote(tree.install, user=member, helpful=False)
    assert first.pk == second.pk
    assert HelpfulVote.objects.get().helpful is False
    anonymous = record_helpful_vote(tree.install, session_key="s1", helpful=True)
    again = record_helpful_vote(tree.install, session_key="s1", helpful=False, comment="Hmm")
    assert anonymous.pk == again.pk and again.comment == "Hmm"
    assert HelpfulVote.objects.count() == 2


def test_deleting_members_keeps_their_votes_distinct(tree):
    voters = [UserFactory(), UserFactory()]
    for voter in voters:
        record_helpful_vote(tree.install, user=voter, helpful=True)
    for voter in voters:
        voter.delete()
    assert HelpfulVote.objects.filter(user__isnull=True).count() == 2
