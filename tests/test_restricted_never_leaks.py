"""Restricted content never leaks: crawl the whole demo site as outsiders and as every demo
member, and look for the distinctive words that only restricted items contain — in pages,
listings, tag pages, search (page, facets, snippets, "did you mean"), the search API and
type-ahead, the forum's similar questions, the help widget's panel and results, feeds,
the sitemap (and every address it lists), the head's canonical, OpenGraph and JSON-LD
data, every link reachable from the home page, and every file and image those pages link
to or show. The search index holds the whole demo, restricted items included. The demo is
in English, Persian and Romanian: the crawl starts from every language's home and runs with
each interface language too (translation links, hreflang alternates and the language offer
included).

Files are also tried directly, by every road to them (Wagtail's document URL, the stored
file, each image rendition), as every account: a file must answer exactly when a published
page that uses it opens for that account."""

import html
import json
import re
from urllib.parse import unquote, urldefrag, urlparse

from django.test import Client, TestCase
from wagtail.models import Page

from demo.frontmatter import ENGLISH_DIR, TRANSLATED_DIRS
from demo.seed import DemoSeeder
from segments.models import Segment
from segments.services import resolve_segment
from tests.factories import UserFactory

LINK = re.compile(r'(?:href|src)="([^"]+)"')
SRCSET = re.compile(r'srcset="([^"]+)"')
LOC = re.compile(r"<loc>([^<]+)</loc>")
SKIP_PREFIXES = ("/admin/", "/account/logout", "/static/", "/i18n/")
FILE_PREFIXES = ("/documents/", "/media/")
API_LISTS = ("articles", "categories", "announcements", "questions")
API_DETAILS = {"ArticlePage": "articles", "AnnouncementPage": "announcements"}


def links(body: str) -> list[str]:
    found = LINK.findall(body)
    for srcset in SRCSET.findall(body):
        found += [item.strip().split(" ")[0] for item in srcset.split(",") if item.strip()]
    return found


def content_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def restricted_words() -> dict[str, str]:
    """The made-up word of every restricted item of the demo, in every language."""
    words = {}
    for folder in (ENGLISH_DIR, *TRANSLATED_DIRS.values()):
        for line in (folder / "restricted-words.txt").read_text(encoding="utf-8").splitlines():
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
        queue = ["/", "/fa/", "/ro/", "/sitemap.xml"]
        for language in ("", "?lang=fa", "?lang=ro"):
            queue += [
                f"/feeds/announcements/rss/{language}",
                f"/feeds/announcements/atom/{language}",
            ]
        # The read API: every list, every page of it (followed through next_cursor below).
        queue += [f"/api/v1/{name}?limit=30" for name in API_LISTS]
        for word in self.words.values():
            queue += [
                f"/search/?q={word}",
                f"/search/?q={word[:-1]}",  # one letter short: "did you mean" must not help
                f"/api/v1/search?q={word}",
                f"/api/v1/search/suggest?q={word[:4]}",
                f"/community/similar/?q={word}",
                f"/widget/?q={word}",
                f"/widget/results/?q={word}",
            ]
        while queue and len(seen) < 900:
            url = queue.pop(0)
            if url in seen:
                continue
            response = client.get(url)
            if response.status_code in (301, 302):
                queue.append(response["Location"])
                seen[url] = ""
                continue
            body = content_of(response).decode("utf-8", "replace")
            seen[url] = body
            if url == "/sitemap.xml":
                queue += [urlparse(loc).path for loc in LOC.findall(body)]
            if response.status_code == 200 and "json" in response.get("Content-Type", ""):
                data = json.loads(body)
                following = data.get("next_cursor") if isinstance(data, dict) else None
                if following:
                    queue.insert(0, f"{url.split('&cursor=')[0]}&cursor={following}")
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for href in links(body):
                href = urldefrag(href.replace("&amp;", "&"))[0]
                parsed = urlparse(href)
                if parsed.netloc and parsed.netloc not in ("testserver", "127.0.0.1:8000"):
                    continue
                path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
                if path.startswith(FILE_PREFIXES):
                    # Files first: three languages of pages (and a sign-in link on each)
                    # must not use up the crawl before it reaches them.
                    queue.insert(0, path)
                elif path.startswith("/") and not path.startswith(SKIP_PREFIXES):
                    queue.append(path)
        return seen

    def assert_no_leak(self, client: Client, who: str, user=None) -> None:
        from segments import policy

        pages = self.crawl(client)
        self.assertGreater(len(pages), 60, "the crawl should reach the whole site")
        files = [url for url in pages if url.startswith(FILE_PREFIXES)]
        self.assertGreaterEqual(len(files), 3, f"{who}: the crawl should follow files and images")
        restricted = [p for p in self.restricted_pages() if not policy.can_view(p, user)]
        self.assertTrue(restricted)
        hidden_words = {
            slug: word for slug, word in self.words.items() if slug not in self.visible_slugs(user)
        }
        for url, body in pages.items():
            text = body.lower()
            for page in restricted:
                self.assertNotIn(page.url, body, f"{who} saw a link to {page.url} at {url}")
                self.assertNotIn(
                    html.escape(page.title).lower(), text, f"{who} saw {page.title!r} at {url}"
                )
            typed = unquote(unquote(url)).lower()
            for slug, word in hidden_words.items():
                # A page whose URL carries the word (a search, a sign-in link's ?next=) may
                # echo the visitor's own input back; nothing else may.
                haystack = text.replace(word.lower(), "") if word.lower() in typed else text
                self.assertNotIn(word.lower(), haystack, f"{who} saw {word!r} ({slug}) at {url}")
        for page in restricted:
            self.assertEqual(client.get(page.url).status_code, 404, f"{who} opened {page.url}")
            resource = API_DETAILS[type(page).__name__]
            self.assertEqual(
                client.get(f"/api/v1/{resource}/{page.pk}").status_code,
                404,
                f"{who} opened {page.url} through the API",
            )
        self.assertTrue(
            any(url.startswith("/api/v1/questions?") and "cursor=" in url for url in pages),
            f"{who}: the crawl should follow the API's pages",
        )

    def visible_slugs(self, user) -> set[str]:
        """Keys of the restricted items ``user`` may see (their words may show up)."""
        from django.db.models import Q

        from forum.models import Question
        from segments import policy

        if user is None:
            return set()
        pages = {p.slug: p for p in self.restricted_pages()}
        visible = set()
        for key, word in self.words.items():
            if key in pages:
                items = [pages[key]]
            else:  # a forum question, known by its file name: find it by its word
                items = Question.objects.filter(Q(title__icontains=word) | Q(body__icontains=word))
            if any(policy.can_view(item, user) for item in items):
                visible.add(key)
        return visible

    def restricted_pages(self):
        return [
            page for page in Page.objects.live().specific() if getattr(page, "restricted", False)
        ]

    def test_anonymous_visitor_finds_no_restricted_word_anywhere(self):
        self.assert_no_leak(Client(), "an anonymous visitor")

    def test_the_sitemap_lists_exactly_the_questions_anyone_may_open(self):
        from forum.models import Question

        client = Client()
        body = client.get("/sitemap.xml").content.decode()
        listed = {urlparse(loc).path for loc in LOC.findall(body) if "/community/q/" in loc}
        questions = list(Question.objects.all())
        self.assertTrue(any(q.restricted for q in questions))
        expected = set()
        for question in questions:
            url = question.get_absolute_url()
            opens = client.get(url).status_code == 200
            if opens and question.is_public:
                expected.add(url)
            elif question.restricted:
                self.assertFalse(opens, f"a visitor opened the restricted {url}")
        self.assertGreater(len(expected), 5)
        self.assertEqual(listed, expected)
        for slug, word in self.words.items():
            self.assertNotIn(word.lower(), body.lower(), f"the sitemap tells {word!r} ({slug})")

    def test_anonymous_visitor_in_persian_and_romanian_finds_nothing(self):
        for language in ("fa", "ro"):
            with self.subTest(language=language):
                client = Client(HTTP_ACCEPT_LANGUAGE=language)
                self.assert_no_leak(client, f"an anonymous visitor reading in {language}")

    def test_member_who_only_declared_segments_finds_nothing_in_persian(self):
        client = Client()
        self.declarer.language = "fa"
        self.declarer.save(update_fields=["language"])
        client.force_login(self.declarer)
        self.assert_no_leak(client, "a member with declared segments, in Persian", self.declarer)

    def test_member_who_only_declared_segments_finds_nothing(self):
        client = Client()
        client.force_login(self.declarer)
        self.assert_no_leak(client, "a member with declared segments only", self.declarer)

    def test_an_api_token_of_a_member_who_only_declared_segments_finds_nothing(self):
        from users.tokens import create_token

        _token, raw = create_token(self.declarer, name="crawler")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.assert_no_leak(client, "the API token of a member with declared segments", None)

    def test_each_demo_member_finds_nothing_beyond_their_grants(self):
        from django.contrib.auth import get_user_model

        members = get_user_model().objects.filter(username__startswith="member-").order_by("pk")
        # The Persian and Romanian members read in their language.
        self.assertEqual(
            set(members.exclude(language="").values_list("username", "language")),
            {("member-fa", "fa"), ("member-ro", "ro")},
        )
        self.assertGreaterEqual(members.count(), 6)
        for member in members:
            client = Client()
            client.force_login(member)
            self.assert_no_leak(client, member.username, member)
        # Every cache (pages of results, lists, related content, fragments) now holds what
        # the members may see: an anonymous visitor must still get nothing of it.
        self.assert_no_leak(Client(), "an anonymous visitor after the members")

    def test_every_file_answers_exactly_to_the_people_who_may_open_a_page_using_it(self):
        from django.contrib.auth import get_user_model
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model

        accounts = [
            None,
            self.declarer,
            *get_user_model().objects.filter(username__startswith="member-"),
        ]
        documents = list(get_document_model().objects.all())
        images = list(get_image_model().objects.all())
        self.assertGreaterEqual(len(documents), 4)
        self.assertGreaterEqual(len(images), 2)
        pages = [p for p in Page.objects.live().specific() if hasattr(p, "body")]
        checked = 0
        for account in accounts:
            client = Client()
            if account is not None:
                client.force_login(account)
            opens = {p.pk: client.get(p.url).status_code == 200 for p in pages}
            for item in [*documents, *images]:
                users = [p for p in pages if self._uses(p, item)]
                expected = any(opens[p.pk] for p in users)
                roads = self._roads(item)
                for road in roads:
                    status = client.get(road).status_code
                    self.assertEqual(
                        status == 200,
                        expected,
                        f"{getattr(account, 'username', 'visitor')}: {road} answered {status}",
                    )
                    checked += 1
        self.assertGreater(checked, 30)
        # The demo has both kinds: files of restricted content and files of public content.
        anonymous = Client()
        answers = {anonymous.get(self._roads(i)[0]).status_code for i in [*documents, *images]}
        self.assertEqual(answers, {200, 404})

    @staticmethod
    def _uses(page, item) -> bool:
        kind = "image" if hasattr(item, "get_rendition") else "document"
        for block in page.body:
            if block.block_type == kind and getattr(block.value.get(kind), "pk", None) == item.pk:
                return True
        return False

    @staticmethod
    def _roads(item) -> list[str]:
        if hasattr(item, "get_rendition"):
            rendition = item.get_rendition("width-480")
            return [f"/media/{item.file.name}", f"/media/{rendition.file.name}"]
        return [item.url, f"/media/{item.file.name}"]

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
        from wagtail.models import Locale

        from announcements.models import AnnouncementPage
        from kb.models import ArticlePage, CategoryPage

        english = Locale.get_default()
        articles = ArticlePage.objects.live().filter(locale=english)
        self.assertEqual(CategoryPage.objects.live().filter(locale=english).count(), 8)
        self.assertGreaterEqual(articles.count(), 40)
        self.assertGreaterEqual(articles.filter(restricted=True).count(), 3)
        self.assertEqual(AnnouncementPage.objects.live().filter(locale=english).count(), 10)
        for code in ("fa", "ro"):
            others = ArticlePage.objects.live().filter(locale__language_code=code)
            self.assertEqual(others.filter(restricted=True).count(), 1)
            self.assertEqual(
                AnnouncementPage.objects.live().filter(locale__language_code=code).count(), 4
            )
        self.assertGreaterEqual(Segment.objects.filter(kind="product").count(), 3)
        counts = (Page.objects.count(), ArticlePage.objects.count())

        seeder = DemoSeeder()
        seeder.run()
        self.assertEqual((Page.objects.count(), ArticlePage.objects.count()), counts)
        self.assertNotIn("pages", seeder.created)
