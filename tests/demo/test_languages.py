"""The demo in three languages: Persian and Romanian page trees (translations linked to
the English pages by their translation key), questions written in those languages, and a
Persian-speaking and a Romanian-speaking demo account."""

from django.contrib.auth import get_user_model
from django.test import Client, TestCase
from wagtail.models import Locale, Page

from announcements.models import AnnouncementPage
from demo.frontmatter import TRANSLATED_DIRS, read_people
from demo.seed import DemoSeeder
from forum.models import Question
from kb.models import ArticlePage, CategoryPage
from portal.models import HomePage
from tickets.models import Ticket


class DemoInThreeLanguages(TestCase):
    @classmethod
    def setUpTestData(cls):
        # The loader's own steps, with the Persian and Romanian tickets but without the rest
        # of the support desk and the search demo (tested with the whole demo in
        # tests/test_restricted_never_leaks.py).
        seeder = DemoSeeder()
        seeder.segments()
        seeder.accounts()
        home = seeder.site()
        seeder.knowledge_base(home, lambda n=1: None)
        seeder.announcements(home, lambda n=1: None)
        for code, folder in seeder.languages.items():
            seeder.language(code, folder, home, lambda n=1: None)
        seeder.language_tickets(lambda n=1: None)
        cls.seeder = seeder

    def test_each_language_has_its_own_page_tree(self):
        for code, folder in TRANSLATED_DIRS.items():
            locale = Locale.objects.get(language_code=code)
            articles = list((folder / "articles").glob("*/*.md"))
            with self.subTest(language=code):
                self.assertEqual(HomePage.objects.filter(locale=locale, live=True).count(), 1)
                self.assertEqual(
                    CategoryPage.objects.live().filter(locale=locale).count(),
                    len([a for a in articles if a.name == "_category.md"]),
                )
                self.assertEqual(
                    ArticlePage.objects.live().filter(locale=locale).count(),
                    len([a for a in articles if a.name != "_category.md"]),
                )
                self.assertEqual(
                    AnnouncementPage.objects.live().filter(locale=locale).count(),
                    len(list((folder / "announcements").glob("*.md"))),
                )
                # Every page of the tree is under the language's home.
                fa_home = HomePage.objects.get(locale=locale)
                self.assertEqual(
                    Page.objects.filter(locale=locale).count(),
                    fa_home.get_descendants(inclusive=True).count(),
                )

    def test_translations_share_the_english_pages_translation_key(self):
        english = Locale.get_default()
        for code in TRANSLATED_DIRS:
            locale = Locale.objects.get(language_code=code)
            for article in ArticlePage.objects.filter(locale=locale):
                original = ArticlePage.objects.filter(
                    locale=english, translation_key=article.translation_key
                ).first()
                category = article.get_parent()
                english_file = (
                    TRANSLATED_DIRS[code].parent / "en" / "articles" / category.slug
                ) / f"{article.slug}.md"
                with self.subTest(article=article.url):
                    # A file named like an English one translates it; the others are local.
                    self.assertEqual(original is not None, english_file.exists())
                    if original is not None:
                        self.assertEqual(original.slug, article.slug)
        fa = Locale.objects.get(language_code="fa")
        local = ArticlePage.objects.get(slug="jalali-dates-and-rial-invoicing")
        self.assertEqual(local.locale, fa)
        self.assertFalse(local.get_translations().exists())
        translated = ArticlePage.objects.get(slug="import-invoices-from-csv", locale=fa)
        self.assertEqual(
            translated.get_translations().get().url, "/kb/ledger/import-invoices-from-csv/"
        )
        self.assertEqual(translated.url, "/fa/kb/ledger/import-invoices-from-csv/")

    def test_questions_carry_their_language(self):
        for code, folder in TRANSLATED_DIRS.items():
            with self.subTest(language=code):
                self.assertEqual(
                    Question.objects.filter(language=code).count(),
                    len(list((folder / "questions").glob("*.md"))),
                )

    def test_support_tickets_in_each_language(self):
        for code, folder in TRANSLATED_DIRS.items():
            with self.subTest(language=code):
                written = (folder / "tickets.md").read_text(encoding="utf-8")
                tickets = Ticket.objects.filter(language=code)
                self.assertEqual(tickets.count(), written.count("\n=== ticket key="))
                for ticket in tickets:
                    self.assertIn(ticket.subject, written)
                    self.assertEqual(ticket.requester.language, code)
                    self.assertTrue(ticket.messages.exists())

    def test_the_persian_and_romanian_demo_accounts(self):
        User = get_user_model()
        for code, folder in TRANSLATED_DIRS.items():
            for person in read_people(folder / "people.md"):
                user = User.objects.get(username=person["handle"])
                self.assertEqual(user.language, code)
                self.assertEqual(user.email, person["email"])
        shirin = User.objects.get(email="shirin@parsbook.example")
        self.assertTrue(shirin.check_password("portico-demo"))
        self.assertIn(("member-fa", "shirin@parsbook.example"), self.seeder.main_accounts)
        self.assertIn(("member-ro", "ioana@carpatica.example"), self.seeder.main_accounts)
        self.assertIn("ioana@carpatica.example", self.seeder.summary())

    def test_a_persian_reader_signs_in_and_reads_in_persian(self):
        client = Client()
        client.force_login(get_user_model().objects.get(username="member-fa"))
        response = client.get("/fa/kb/")
        body = response.content.decode()
        self.assertEqual(response.status_code, 200)
        self.assertIn('<html lang="fa" dir="rtl"', body)
        self.assertIn("پایگاه دانش", body)
        # The switch from the English article lands on its Persian translation.
        response = client.post(
            "/i18n/setlang/", {"language": "fa", "next": "/kb/ledger/import-invoices-from-csv/"}
        )
        self.assertEqual(response["Location"], "/fa/kb/ledger/import-invoices-from-csv/")

    def test_loading_again_adds_nothing(self):
        def counts():
            return (
                Page.objects.count(),
                Question.objects.count(),
                get_user_model().objects.count(),
                Ticket.objects.count(),
            )

        before = counts()
        for code, folder in self.seeder.languages.items():
            self.seeder.language(
                code, folder, HomePage.objects.get(locale=Locale.get_default()), lambda n=1: None
            )
        self.assertEqual(counts(), before)
