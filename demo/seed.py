"""The demo company, Tessellate: segments, accounts and content, loaded idempotently."""

from __future__ import annotations

import datetime as dt
import random
import textwrap
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site as DjangoSite
from django.core.files import File
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site

from announcements.models import AnnouncementIndexPage, AnnouncementPage, ProductSubscription
from indexing.services import deferred
from kb.models import ArticlePage, CategoryPage, HelpfulVote, KnowledgeBaseIndexPage
from portal.models import HomePage
from segments.models import Segment
from segments.services import grant, resolve_segment

from . import forum as forum_demo
from . import search as search_demo
from . import tickets as tickets_demo
from .frontmatter import (
    ENGLISH_DIR,
    TRANSLATED_DIRS,
    ContentFile,
    read_content_file,
    read_people,
)

DEMO_PASSWORD = "portico-demo"
#: How long ago the demo accounts joined (older than every demo post).
DEMO_ACCOUNT_AGE_DAYS = 400

SEGMENTS = [
    ("product", "ledger", "Ledger", "Invoicing, subscriptions, payments and tax."),
    ("product", "relay", "Relay", "Transactional email, SMS, push and webhooks."),
    ("product", "atlas", "Atlas", "Dashboards, reports and data connectors."),
    ("role", "administrator", "Administrator", "Runs the organization's Tessellate account."),
    ("role", "developer", "Developer", "Builds on the API and webhooks."),
    ("role", "end-user", "End user", "Uses the products day to day."),
    ("role", "partner", "Partner / reseller", "Sells and implements Tessellate."),
    ("stage", "evaluating", "Evaluating", "On a trial or proof of concept."),
    ("stage", "onboarding", "Onboarding", "In the first 90 days."),
    ("stage", "active", "Active customer", "Live and in good standing."),
    ("stage", "renewal", "Renewal", "Renewal due within 90 days."),
    ("stage", "at-risk", "At risk", "Flagged by customer success."),
]

# key, display name, email, declared products, declared role, granted segments, flags
ACCOUNTS = [
    ("admin", "Avery Admin", "admin@tessellate.example", [], None, [], {"superuser": True}),
    ("editor", "Elena Editor", "editor@tessellate.example", [], None, [], {"group": "Editors"}),
    (
        "agent",
        "Sam Agent",
        "agent@tessellate.example",
        [],
        None,
        [],
        {"staff": True, "group": "Moderators"},
    ),
    (
        "member-administrator",
        "Priya Raman",
        "priya@northwind.example",
        ["ledger", "relay"],
        "administrator",
        ["product:ledger", "product:relay", "stage:active"],
        {},
    ),
    (
        "member-developer",
        "Diego Alvarez",
        "diego@brightpath.example",
        ["relay"],
        "developer",
        ["product:relay", "stage:onboarding"],
        {},
    ),
    (
        "member-end-user",
        "Mei Chen",
        "mei@lakeside.example",
        ["atlas"],
        "end-user",
        ["product:atlas", "stage:at-risk"],
        {},
    ),
    (
        "member-partner",
        "Tomasz Nowak",
        "tomasz@cloudreseller.example",
        ["ledger", "atlas"],
        "partner",
        ["role:partner", "stage:renewal"],
        {},
    ),
]
#: The demo accounts to try, as the README's table has them: who, which account, what it
#: shows (``seed_demo`` ends with this table, with each account's email).
ACCOUNT_TABLE = [
    ("superuser", "admin", "everything, Wagtail admin"),
    (
        "editor",
        "editor",
        "writing and publishing in the admin, segments, synonyms and the search report "
        "(Editors group)",
    ),
    (
        "support agent",
        "agent",
        "staff: sees all content, works the ticket queue under Support (Moderators group)",
    ),
    ("administrator", "member-administrator", 'granted Ledger, Relay, stage "active"'),
    ("developer", "member-developer", 'granted Relay, stage "onboarding"'),
    ("end user", "member-end-user", 'granted Atlas, stage "at risk"'),
    ("partner", "member-partner", 'granted role "partner", stage "renewal"'),
    (
        "Persian-speaking customer",
        "member-fa",
        'reads in Persian (right-to-left); granted Ledger, stage "active"',
    ),
    (
        "Romanian-speaking customer",
        "member-ro",
        'reads in Romanian; granted Relay, Atlas, stage "onboarding"',
    ),
]
COMMUNITY_ROW = (
    "community members",
    "community-1 … community-12, community-fa-1 … 3, community-ro-1 … 3 (see Users in the admin)",
    "forum regulars",
)

COMMUNITY_NAMES = [
    "Hannah Becker",
    "Kwame Mensah",
    "Sofia Rossi",
    "Liam O'Connor",
    "Aiko Tanaka",
    "Mateo García",
    "Nora Lindqvist",
    "Ravi Patel",
    "Chloé Martin",
    "Jonas Weber",
    "Amara Okafor",
    "Ethan Brooks",
]


# The site's own texts in the other languages (the English ones are in the loader below).
SITE_TEXTS = {
    "fa": {
        "home": ("مرکز راهنمای Tessellate", "چطور می‌توانیم کمک کنیم؟"),
        "hero_text": "راهنماها، اطلاعیه‌ها و پاسخ‌های انجمن برای Ledger، Relay و Atlas را "
        "جست‌وجو کنید.",
        "kb": ("پایگاه دانش", "راهنما، رفع اشکال و مرجع همهٔ محصولات Tessellate."),
        "announcements": (
            "اطلاعیه‌ها",
            "به‌روزرسانی محصولات، زمان‌های نگهداری و خبرهای تیم Tessellate.",
        ),
    },
    "ro": {
        "home": ("Centrul de ajutor Tessellate", "Cu ce vă putem ajuta?"),
        "hero_text": "Căutați ghiduri, anunțuri și răspunsuri din comunitate pentru Ledger, "
        "Relay și Atlas.",
        "kb": (
            "Bază de cunoștințe",
            "Ghiduri, depanare și documentație pentru toate produsele Tessellate.",
        ),
        "announcements": (
            "Anunțuri",
            "Noutăți despre produse, ferestre de mentenanță și vești de la echipa Tessellate.",
        ),
    },
}


class DemoSeeder:
    def __init__(self, content_dir: Path = ENGLISH_DIR, languages: dict[str, Path] | None = None):
        self.content_dir = content_dir
        self.article_files = sorted((content_dir / "articles").glob("*/*.md"))
        self.announcement_files = sorted((content_dir / "announcements").glob("*.md"))
        self.question_files = sorted((content_dir / "questions").glob("*.md"))
        #: Persian and Romanian: their own page trees, questions and people.
        self.languages = TRANSLATED_DIRS if languages is None else languages
        self.created: dict[str, int] = {}
        self.users: dict[str, object] = {}
        self.main_accounts: list[tuple[str, str]] = []
        #: Search documents the rebuild at the end wrote.
        self.indexed = 0
        self._hashed_password: str | None = None

    def total_steps(self) -> int:
        translated = sum(
            len(list((folder / "articles").glob("*/*.md")))
            + len(list((folder / "announcements").glob("*.md")))
            + len(list((folder / "questions").glob("*.md")))
            for folder in self.languages.values()
        )
        return (
            4
            + len(self.article_files)
            + len(self.announcement_files)
            + len(self.question_files)
            + translated
            + tickets_demo.steps_count()
        )

    def _count(self, key: str, n: int = 1) -> None:
        if n:
            self.created[key] = self.created.get(key, 0) + n

    def run(
        self,
        progress: Callable[..., None] = lambda n=1: None,
        index_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Load everything missing, in three parts:

        1. the content (segments, people, pages, forum, in every language), with search
           indexing held back, then the index rebuilt once (``index_progress`` counts its
           items);
        2. the support desk, whose "Contact support" flows ask search for suggestions;
        3. the demo searches, run over the finished index.

        Each of the first two is one transaction: a few hundred commits fewer, and a failed
        load leaves nothing half-made behind (run it again).
        """
        with deferred(progress=index_progress) as deferral, transaction.atomic():
            self.content(progress)
        if deferral.rebuilt is not None:
            self.indexed = deferral.rebuilt.documents
        with transaction.atomic():
            self.support(progress)
        self.search(progress)

    def content(self, progress: Callable[..., None]) -> None:
        self.segments()
        progress()
        self.accounts()
        progress()
        home = self.site()
        progress()
        self.knowledge_base(home, progress)
        self.announcements(home, progress)
        self.subscriptions_and_votes()
        forum_demo.load_forum_demo(
            self.users, progress=progress, content_dir=self.content_dir / "questions"
        )
        for language, folder in self.languages.items():
            self.language(language, folder, home, progress)

    def support(self, progress: Callable[..., None]) -> None:
        made = tickets_demo.load_tickets_demo(self.users, progress=progress)
        self._count("tickets", made["tickets"])
        self._count("support flows", made["flows"])
        self.language_tickets(progress)

    def language_tickets(self, progress: Callable[..., None]) -> None:
        """The support tickets written in Persian and Romanian."""
        for language, folder in self.languages.items():
            if (folder / "tickets.md").exists():
                made = tickets_demo.load_language_tickets(
                    self.users, folder / "tickets.md", language, progress=progress
                )
                self._count("tickets", made["tickets"])

    # --- Persian and Romanian --------------------------------------------------------------
    def language(self, code: str, folder: Path, english_home, progress) -> None:
        """One more language: its people, its page tree (a translation of the English
        home, knowledge base and announcements; an article or announcement whose file has
        the name of an English one is its translation), and its forum questions (its
        support tickets come with the others, in ``support``)."""
        self.people(code, folder / "people.md")
        home = self.translated_home(code, english_home)
        self.knowledge_base(home, progress, content_dir=folder)
        self.announcements(home, progress, content_dir=folder)
        made = forum_demo.load_forum_demo(
            self.users, progress=progress, content_dir=folder / "questions", language=code
        )
        self._count("questions", made["questions"])

    @transaction.atomic
    def people(self, code: str, path: Path) -> None:
        for person in read_people(path):
            user = self._user(person["handle"], person["name"], person["email"])
            if user.language != person["language"]:
                user.language = person["language"]
                user.save(update_fields=["language"])
            declared = [s for s in person.get("declared_products", "").split(",") if s.strip()]
            if declared:
                user.declared_products.set(
                    Segment.objects.filter(kind="product", slug__in=[s.strip() for s in declared])
                )
            if person.get("declared_role"):
                user.declared_role = Segment.objects.get(kind="role", slug=person["declared_role"])
                user.save(update_fields=["declared_role"])
            for key in (k.strip() for k in person.get("granted", "").split(",")):
                if key:
                    grant(user, resolve_segment(key), note="Demo account")
            if person.get("main", "").lower() == "yes":
                for product in user.declared_products.all():
                    ProductSubscription.objects.get_or_create(user=user, product=product)
                self.main_accounts.append((person["handle"], person["email"]))
            self.users[person["handle"]] = user

    @transaction.atomic
    def translated_home(self, code: str, english_home) -> HomePage:
        locale, _ = Locale.objects.get_or_create(language_code=code)
        existing = english_home.get_translation_or_none(locale)
        if existing is not None:
            return existing.specific
        title, hero_title = SITE_TEXTS[code]["home"]
        home = HomePage(
            title=title,
            slug=f"home-{code}",
            hero_title=hero_title,
            hero_text=SITE_TEXTS[code]["hero_text"],
            locale=locale,
            translation_key=english_home.translation_key,
        )
        Page.get_first_root_node().add_child(instance=home)
        self._count("pages")
        return home

    def search(self, progress) -> None:
        """Synonyms, and a month of searches for the search report (after everything else,
        so the searches run over the whole demo)."""
        made = search_demo.load_search_demo()
        self._count("synonyms", made["synonyms"])
        self._count("searches", made["searches"])
        progress()

    # --- segments and people -----------------------------------------------------------
    @transaction.atomic
    def segments(self) -> None:
        for order, (kind, slug, name, description) in enumerate(SEGMENTS):
            _, created = Segment.objects.get_or_create(
                kind=kind,
                slug=slug,
                defaults={"name": name, "description": description, "sort_order": order},
            )
            self._count("segments", int(created))

    def _password_hash(self) -> str:
        """The demo password, hashed once: every account shares it, and hashing is slow on
        purpose (a quarter of a second each)."""
        if self._hashed_password is None:
            self._hashed_password = make_password(DEMO_PASSWORD)
        return self._hashed_password

    def _user(self, key, name, email, *, staff=False, superuser=False):
        User = get_user_model()
        user = User.objects.filter(username=key).first()
        if user is None:
            user = User(
                username=key,
                email=email,
                display_name=name,
                is_staff=staff or superuser,
                is_superuser=superuser,
                # Regulars of long standing: the forum's trust levels count account age.
                date_joined=timezone.now() - dt.timedelta(days=DEMO_ACCOUNT_AGE_DAYS),
            )
            user.password = self._password_hash()
            user.save()
            self._count("accounts")
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    @transaction.atomic
    def accounts(self) -> None:
        for key, name, email, declared, role, granted, flags in ACCOUNTS:
            user = self._user(
                key,
                name,
                email,
                staff=flags.get("staff", False),
                superuser=flags.get("superuser", False),
            )
            if flags.get("group"):
                group = Group.objects.filter(name=flags["group"]).first()
                if group:
                    user.groups.add(group)
            if declared:
                user.declared_products.set(
                    Segment.objects.filter(kind="product", slug__in=declared)
                )
            if role:
                user.declared_role = Segment.objects.get(kind="role", slug=role)
                user.save(update_fields=["declared_role"])
            for segment_key in granted:
                grant(user, resolve_segment(segment_key), note="Demo account")
            self.users[key] = user
        for number, name in enumerate(COMMUNITY_NAMES, start=1):
            key = f"community-{number}"
            email = f"{name.split()[0].lower()}{number}@community.example"
            self.users[key] = self._user(key, name, email)

    # --- site tree ---------------------------------------------------------------------
    @transaction.atomic
    def site(self) -> HomePage:
        home = HomePage.objects.first()
        root = Page.get_first_root_node()
        if home is None:
            for page in root.get_children().not_type(HomePage):
                page.delete()
            root.refresh_from_db()
            home = root.add_child(
                instance=HomePage(
                    title="Tessellate Help Center",
                    slug="home",
                    hero_title="How can we help?",
                    hero_text="Search guides, announcements and community answers for Ledger, "
                    "Relay and Atlas.",
                )
            )
            self._count("pages")
        # Where the demo is served (SITE_URL: `make demo PORT=8001` sets it), so feeds,
        # the sitemap and emails link to the right port.
        url = urlsplit(settings.SITE_URL)
        hostname = url.hostname or "127.0.0.1"
        port = url.port or (443 if url.scheme == "https" else 80)
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={
                "hostname": hostname,
                "port": port,
                "root_page": home,
                "site_name": "Tessellate Help Center",
            },
        )
        DjangoSite.objects.update_or_create(
            pk=settings.SITE_ID,
            defaults={"domain": url.netloc or f"{hostname}:{port}", "name": settings.SITE_NAME},
        )
        return home

    def _child(self, parent, model, slug, **fields):
        existing = model.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing, False
        page = model(slug=slug, **fields)
        source = self._english_original(parent, model, slug)
        if source is not None:
            page.translation_key = source.translation_key
        parent.add_child(instance=page)
        self._count("pages")
        return page, True

    @staticmethod
    def _english_original(parent, model, slug):
        """The page of the default locale that a new page of another locale translates:
        the same kind of page, with the same slug, under the original of ``parent``."""
        if parent.depth < 2 or parent.locale_id == Locale.get_default().pk:
            return None
        original_parent = parent.get_translations().filter(locale=Locale.get_default()).first()
        if original_parent is None:
            return None
        return model.objects.child_of(original_parent).filter(slug=slug).first()

    def _segments_of(self, content: ContentFile) -> list[Segment]:
        keys = [f"product:{slug}" for slug in content.items("products")]
        keys += content.items("segments")
        return [resolve_segment(key) for key in keys]

    def _publish(self, page, when: dt.datetime | None = None) -> None:
        revision = page.save_revision()
        revision.publish()
        if when:
            type(page).objects.filter(pk=page.pk).update(
                first_published_at=when, last_published_at=when
            )

    def knowledge_base(self, home, progress, content_dir: Path | None = None) -> None:
        content_dir = content_dir or self.content_dir
        code = content_dir.name
        title, intro = SITE_TEXTS.get(code, {}).get(
            "kb",
            (
                "Knowledge base",
                "Guides, troubleshooting and reference for every Tessellate product.",
            ),
        )
        kb, created = self._child(home, KnowledgeBaseIndexPage, "kb", title=title, intro=intro)
        if created:
            self._publish(kb)
        categories: dict[str, CategoryPage] = {}
        for folder in sorted(p for p in (content_dir / "articles").iterdir() if p.is_dir()):
            meta = read_content_file(folder / "_category.md")
            category, created = self._child(
                kb,
                CategoryPage,
                folder.name,
                title=meta.meta["title"],
                summary=meta.meta.get("summary", ""),
                intro=meta.body.strip(),
                icon=meta.meta.get("icon", "book"),
            )
            if created:
                self._publish(category)
            categories[folder.name] = category
        rng = random.Random(42)
        now = timezone.now()
        article_files = sorted((content_dir / "articles").glob("*/*.md"))
        for path in article_files:
            if path.name == "_category.md":
                progress()
                continue
            self._article(
                categories[path.parent.name],
                read_content_file(path),
                now - dt.timedelta(days=rng.randint(2, 240)),
            )
            progress()

    @transaction.atomic
    def _article(self, category, content: ContentFile, when) -> None:
        if ArticlePage.objects.child_of(category).filter(slug=content.slug).exists():
            return
        body = [("text", content.body)]
        for line in content.items("images"):
            name, _sep, alt = (part.strip() for part in line.partition("|"))
            body.append(("image", {"image": self._image(name), "alt_text": alt, "caption": ""}))
        for name in content.items("attachments"):
            body.append(
                ("document", {"document": self._document(name), "title": "", "description": ""})
            )
        article, _ = self._child(
            category,
            ArticlePage,
            content.slug,
            title=content.meta["title"],
            summary=content.meta.get("summary", ""),
            body=body,
            featured=content.flag("featured"),
            restricted=content.flag("restricted"),
        )
        article.segments.set(self._segments_of(content))
        article.tags.set(content.items("tags"))
        article.save()
        self._publish(article, when)

    def _document(self, name: str):
        Document = get_document_model()
        existing = Document.objects.filter(title=name).first()
        if existing:
            return existing
        with open(ENGLISH_DIR / "files" / name, "rb") as handle:
            document = Document(title=name)
            document.file.save(name, File(handle), save=False)
            document.save()
        return document

    def _image(self, name: str):
        Image = get_image_model()
        existing = Image.objects.filter(title=name).first()
        if existing:
            return existing
        with open(ENGLISH_DIR / "files" / name, "rb") as handle:
            image = Image(title=name)
            image.file.save(name, ImageFile(handle, name=name), save=False)
            image.save()
        return image

    def announcements(self, home, progress, content_dir: Path | None = None) -> None:
        content_dir = content_dir or self.content_dir
        title, intro = SITE_TEXTS.get(content_dir.name, {}).get(
            "announcements",
            (
                "Announcements",
                "Product updates, maintenance windows and news from the Tessellate team.",
            ),
        )
        index, created = self._child(
            home, AnnouncementIndexPage, "announcements", title=title, intro=intro
        )
        if created:
            self._publish(index)
        for path in sorted((content_dir / "announcements").glob("*.md")):
            self._announcement(index, read_content_file(path))
            progress()

    @transaction.atomic
    def _announcement(self, index, content: ContentFile) -> None:
        if AnnouncementPage.objects.child_of(index).filter(slug=content.slug).exists():
            return
        date = dt.date.fromisoformat(content.meta["date"])
        page, _ = self._child(
            index,
            AnnouncementPage,
            content.slug,
            title=content.meta["title"],
            summary=content.meta.get("summary", ""),
            date=date,
            pinned=content.flag("pinned"),
            body=[("text", content.body)],
            restricted=content.flag("restricted"),
        )
        page.segments.set(self._segments_of(content))
        page.save()
        when = timezone.make_aware(dt.datetime.combine(date, dt.time(9, 0)))
        self._publish(page, when)

    # --- activity ----------------------------------------------------------------------
    @transaction.atomic
    def subscriptions_and_votes(self) -> None:
        for key in (
            "member-administrator",
            "member-developer",
            "member-end-user",
            "member-partner",
        ):
            user = self.users[key]
            for product in user.declared_products.all():
                ProductSubscription.objects.get_or_create(user=user, product=product)
        if HelpfulVote.objects.exists():
            return
        rng = random.Random(7)
        voters = [self.users[f"community-{n}"] for n in range(1, 13)]
        for article in ArticlePage.objects.filter(restricted=False).order_by("pk"):
            for voter in rng.sample(voters, rng.randint(0, 6)):
                HelpfulVote.objects.create(article=article, user=voter, helpful=rng.random() < 0.8)
                self._count("helpful votes")

    def summary(self) -> str:
        """What was loaded, where the site is, and the accounts to try (last)."""
        made = ", ".join(f"{n} {what}" for what, n in sorted(self.created.items())) or "nothing new"
        url = settings.SITE_URL
        indexed = f"; {self.indexed} search documents" if self.indexed else ""
        return "\n".join(
            [
                f"Demo ready ({made}{indexed}).",
                f"  Site:  {url}/",
                f"  Admin: {url}/admin/",
                "",
                f"Sign in with an email below; every demo account uses the password "
                f"{DEMO_PASSWORD}.",
                *self.accounts_table(),
            ]
        )

    def accounts_table(self, width: int = 100) -> list[str]:
        """The demo accounts and what each shows, as lines of a plain-text table."""
        emails = {key: email for key, _name, email, *_ in ACCOUNTS}
        emails.update(self.main_accounts)
        rows = [("account", "email", "what it shows")]
        rows += [(label, emails.get(key, key), shows) for label, key, shows in ACCOUNT_TABLE]
        first = max(len(row[0]) for row in rows) + 2
        second = max(len(row[1]) for row in rows) + 2
        lines = []
        for label, email, shows in [*rows, COMMUNITY_ROW]:
            if len(email) >= second:  # the community row: its names on a line of their own
                lines.append(f"  {label:<{first}}{email}")
                label, email = "", ""
            wrapped = textwrap.wrap(shows, max(20, width - 2 - first - second)) or [""]
            lines.append(f"  {label:<{first}}{email:<{second}}{wrapped[0]}".rstrip())
            lines += [" " * (2 + first + second) + more for more in wrapped[1:]]
        return lines
