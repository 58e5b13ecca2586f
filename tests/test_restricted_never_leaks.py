"""Restricted content never leaks: crawl the whole demo site as outsiders and look for the
distinctive words that only restricted items contain — in pages, listings, tag pages,
search (page, facets, snippets, "did you mean"), the search API and type-ahead, the
forum's similar questions, feeds, the sitemap and every link reachable from the home
page. The search index holds the whole demo, restricted items included."""

import html
import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

from django.test import Client, TestCase
from wagtail.models import Page

from core.demo.loader import CONTENT_DIR
from core.demo.seed import DemoSeeder
from segments.models import Segment
from segments.services import resolve_segment
from tests.factories import UserFactory

HREF = re.compile(r'href="([^"]+)"')
SKIP_PREFIXES = ("/admin/", "/documents/", "/account/logout", "/static/", "/media/", "/i18n/")


def restricted_words() -> dict[str, str]:
    files = [CONTENT_DIR / "restricted-words.txt"]
    forum = Path(CONTENT_DIR).parents[1] / "forum" / "demo" / "content" / "restricted-words.txt"
    if forum.exists():
        files.append(forum)
    words = {}
    for path in files:
        for line in path.read_text().splitlines():
            if line.strip():
                slug, word = line.split("\t")
                words[slug.strip()] = word.strip()
    return words


class RestrictedContentNeverLeaks(TestCase):
    @classmethod
    def setUpTestData(cls):
        DemoSeeder().run()
        cls.words = restricted_words()
        # Declares every product and the partner role, but is granted nothing.
        cls.declarer = UserFactory(username="declarer")
        cls.declarer.declared_products.set(Segment.objects.filter(kind="product"))
        cls.declarer.declared_role = resolve_segment("role:partner")
        cls.declarer.save()

    def setUp(self):
        from indexing.services import rebuild

        # Every test has its own (empty) index: fill it with the whole demo.
        self.assertGreater(rebuild().documents, 100)

    def crawl(self, client: Client) -> dict[str, str]:
        seen: dict[str, str] = {}
        queue = ["/", "/feeds/announcements/rss/", "/feeds/announcements/atom/", "/sitemap.xml"]
        for word in self.words.values():
            queue += [
                f"/search/?q={word}",
                f"/search/?q={word[:-1]}",  # one letter short: "did you mean" must not help
                f"/api/v1/search?q={word}",
                f"/api/v1/search/suggest?q={word[:4]}",
                f"/community/similar/?q={word}",
            ]
        while queue and len(seen) < 600:
            url = queue.pop(0)
            if url in seen:
                continue
            response = client.get(url)
            if response.status_code in (301, 302):
                queue.append(response["Location"])
                seen[url] = ""
                continue
            body = response.content.decode("utf-8", "replace")
            seen[url] = body
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for href in HREF.findall(body):
                href = urldefrag(href.replace("&amp;", "&"))[0]
                parsed = urlparse(href)
                if parsed.netloc and parsed.netloc not in ("testserver", "127.0.0.1:8000"):
                    continue
                path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
                if path.startswith("/") and not path.startswith(SKIP_PREFIXES):
                    queue.append(path)
        return seen

    def assert_no_leak(self, client: Client, who: str) -> None:
        pages = self.crawl(client)
        self.assertGreater(len(pages), 60, "the crawl should reach the whole site")
        restricted = self.restricted_pages()
        self.assertTrue(restricted)
        for url, body in pages.items():
            text = body.lower()
            for page in restricted:
                self.assertNotIn(page.url, body, f"{who} saw a link to {page.url} at {url}")
                self.assertNotIn(
                    html.escape(page.title).lower(), text, f"{who} saw {page.title!r} at {url}"
                )
            typed = unquote(unquote(url)).lower()
            for slug, word in self.words.items():
                # A page whose URL carries the word (a search, a sign-in link's ?next=) may
                # echo the visitor's own input back; nothing else may.
                haystack = text.replace(word.lower(), "") if word.lower() in typed else text
                self.assertNotIn(word.lower(), haystack, f"{who} saw {word!r} ({slug}) at {url}")
        for page in restricted:
            self.assertEqual(client.get(page.url).status_code, 404, f"{who} opened {page.url}")

    def restricted_pages(self):
        return [
            page for page in Page.objects.live().specific() if getattr(page, "restricted", False)
        ]

    def test_anonymous_visitor_finds_no_restricted_word_anywhere(self):
        self.assert_no_leak(Client(), "an anonymous visitor")

    def test_member_who_only_declared_segments_finds_nothing(self):
        client = Client()
        client.force_login(self.declarer)
        self.assert_no_leak(client, "a member with declared segments only")

    def test_granted_members_see_their_restricted_pages(self):
        from django.contrib.auth import get_user_model

        from segments import policy

        members = list(get_user_model().objects.filter(username__startswith="member-"))
        for page in self.restricted_pages():
            viewers = [m for m in members if policy.can_view(page, m)]
            self.assertTrue(viewers, f"no demo member may see {page.slug}")
            client = Client()
            client.force_login(viewers[0])
            response = client.get(page.url)
            self.assertEqual(response.status_code, 200)
            word = self.words.get(page.slug)
            if word:
                self.assertIn(word.lower(), response.content.decode().lower())

    def test_demo_is_complete_and_loading_again_adds_nothing(self):
        from announcements.models import AnnouncementPage
        from kb.models import ArticlePage, CategoryPage

        articles = ArticlePage.objects.live()
        self.assertEqual(CategoryPage.objects.live().count(), 8)
        self.assertGreaterEqual(articles.count(), 40)
        self.assertGreaterEqual(articles.filter(restricted=True).count(), 3)
        self.assertEqual(AnnouncementPage.objects.live().count(), 10)
        self.assertGreaterEqual(Segment.objects.filter(kind="product").count(), 3)
        counts = (Page.objects.count(), ArticlePage.objects.count())

        seeder = DemoSeeder()
        seeder.run()
        self.assertEqual((Page.objects.count(), ArticlePage.objects.count()), counts)
        self.assertNotIn("pages", seeder.created)
