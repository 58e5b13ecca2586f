"""Editors read "Was this helpful?" answers in the Wagtail admin; pages stay editable."""

import pytest
from django.test import Client
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, streamfield

from kb.services import record_helpful_vote
from tests.factories import UserFactory, make_article, make_category, make_home, make_kb_index

pytestmark = pytest.mark.django_db

INDEX = "/admin/helpful_votes/"


@pytest.fixture
def answers(tree, member):
    record_helpful_vote(tree.install, user=member, helpful=False, comment="Step 3 is unclear.")
    record_helpful_vote(tree.install, session_key="s1", helpful=True)
    record_helpful_vote(tree.configure, session_key="s1", helpful=True, comment="Spot on.")
    return tree


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_editors_list_answers_with_comments(client, answers, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(INDEX)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Step 3 is unclear." in content
    assert "Spot on." in content
    assert "Anonymous visitor" in content
    assert "Member" in content  # the member's public name


def test_answers_filter_by_article_and_helpful(client, answers, editor):
    client.force_login(editor)
    by_article = client.get(INDEX, {"article": answers.configure.pk}).content.decode()
    assert "Spot on." in by_article and "Step 3 is unclear." not in by_article
    unhelpful = client.get(INDEX, {"helpful": "false"}).content.decode()
    assert "Step 3 is unclear." in unhelpful and "Spot on." not in unhelpful
    searched = client.get(INDEX, {"q": "unclear"}).content.decode()
    assert "Step 3 is unclear." in searched and "Spot on." not in searched


def test_answers_are_read_only(client, answers, superuser):
    from kb.models import HelpfulVote

    client.force_login(superuser)
    vote = HelpfulVote.objects.filter(comment="Spot on.").get()
    assert client.get(INDEX + "new/").status_code in (302, 403)
    assert client.get(f"{INDEX}edit/{vote.pk}/").status_code in (302, 403)
    inspect = client.get(f"{INDEX}inspect/{vote.pk}/")
    assert inspect.status_code == 200
    assert "Spot on." in inspect.content.decode()
    # Superusers may remove spam.
    assert client.post(f"{INDEX}delete/{vote.pk}/").status_code == 302
    assert not HelpfulVote.objects.filter(pk=vote.pk).exists()


def test_editors_cannot_delete_answers_without_the_permission(client, answers, editor):
    from kb.models import HelpfulVote

    client.force_login(editor)
    vote = HelpfulVote.objects.first()
    client.post(f"{INDEX}delete/{vote.pk}/")
    assert HelpfulVote.objects.filter(pk=vote.pk).exists()


def test_members_cannot_see_answers(client, answers, member):
    client.force_login(member)
    response = client.get(INDEX)
    assert response.status_code in (302, 403)
    assert "Step 3 is unclear." not in response.content.decode()


def test_article_editor_shows_the_counts(client, answers, editor):
    client.force_login(editor)
    response = client.get(f"/admin/pages/{answers.install.pk}/edit/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Feedback" in content
    assert "Found it helpful" in content
    assert "50%" in content
    assert f"{INDEX}?article={answers.install.pk}" in content


def test_export_lists_answers(client, answers, editor):
    client.force_login(editor)
    response = client.get(INDEX, {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "Step 3 is unclear." in body


class KnowledgeBasePageTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        from segments.models import Segment
        from tests.factories import SegmentFactory

        make_home()
        cls.kb = make_kb_index()
        cls.category = make_category(cls.kb, title="Accounts", intro="All about *accounts*.")
        product = SegmentFactory(kind=Segment.Kind.PRODUCT, slug="ledger", name="Ledger")
        cls.article = make_article(
            cls.category, "Reset your password", "## Steps\n\n1. Click.", tags=["login"],
            segments=[product],
        )  # fmt: skip
        cls.restricted = make_article(
            cls.category, "Partner pricing", restricted=True, segments=[product]
        )
        cls.superuser = UserFactory(username="admin", is_staff=True, is_superuser=True)
        from django.contrib.auth.models import Group

        cls.editor = UserFactory(username="page-editor")
        cls.editor.groups.add(Group.objects.get(name="Editors"))

    def test_pages_are_renderable(self):
        self.assertPageIsRenderable(self.kb)
        self.assertPageIsRenderable(self.kb, route_path="/tags/")
        self.assertPageIsRenderable(self.kb, route_path="/tags/login/")
        self.assertPageIsRenderable(self.category)
        self.assertPageIsRenderable(self.article)
        self.assertPageIsRenderable(self.restricted, user=self.editor)
        self.assertPageIsRenderable(self.restricted, accept_404=True)

    def article_form_data(self, **changes):
        # The StreamField editor is built by JavaScript, so its data is spelled out here.
        data = {
            "title": self.article.title,
            "slug": self.article.slug,
            "summary": self.article.summary,
            "body": streamfield([("text", "## Steps\n\n1. Click.\n\n::: tip\nEasy.\n:::")]),
            "tags": "login",
            "featured": "on",
            **changes,
        }
        return nested_form_data(data)

    def test_pages_are_editable(self):
        for user in (self.superuser, self.editor):
            with self.subTest(user=user.username):
                self.assertPageIsEditable(self.kb, user=user)
                self.assertPageIsEditable(self.category, user=user)
                self.assertPageIsEditable(
                    self.article, user=user, post_data=self.article_form_data()
                )

    def test_editor_saves_a_draft_of_an_article(self):
        self.client.force_login(self.editor)
        data = self.article_form_data(title="Reset a forgotten password")
        response = self.client.post(f"/admin/pages/{self.article.pk}/edit/", data)
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        draft = self.article.get_latest_revision_as_object()
        self.assertEqual(draft.title, "Reset a forgotten password")
        self.assertEqual([tag.name for tag in draft.tags.all()], ["login"])
        self.assertEqual(self.article.title, "Reset your password")  # live until published

    def test_superuser_publishes_an_article(self):
        self.client.force_login(self.superuser)
        data = self.article_form_data(title="Reset a forgotten password")
        data["action-publish"] = "action-publish"
        response = self.client.post(f"/admin/pages/{self.article.pk}/edit/", data)
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        self.assertEqual(self.article.title, "Reset a forgotten password")
        self.assertTrue(self.article.featured)
        self.assertContains(Client().get(self.article.url), "Reset a forgotten password")

    def test_pages_are_previewable(self):
        self.assertPageIsPreviewable(
            self.article, user=self.superuser, post_data=self.article_form_data()
        )
        self.assertPageIsPreviewable(self.category, user=self.superuser)
        self.assertPageIsPreviewable(self.kb, user=self.superuser)

    def test_page_types_nest_as_designed(self):
        from kb.models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage
        from portal.models import HomePage

        self.assertAllowedParentPageTypes(KnowledgeBaseIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(KnowledgeBaseIndexPage, {CategoryPage})
        self.assertAllowedSubpageTypes(CategoryPage, {ArticlePage})
        self.assertAllowedSubpageTypes(ArticlePage, set())

    def test_anonymous_client_sees_the_article(self):
        response = Client().get(self.article.url)
        self.assertContains(response, "Reset your password")
