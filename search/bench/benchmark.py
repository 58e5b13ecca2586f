"""Speed benchmark (``manage.py search_bench``): synthetic but realistic support content.

Documents look like a help center's: articles, announcements, forum questions with
answers and attached files across products, with tags, roles, stages, access terms (most
public, some restricted to segments), votes, dates and bodies of a few hundred words
drawn from a support vocabulary. Queries mix what people type: one to five words, error
codes, quoted phrases, exclusions, filters, typos and questions, for visitors with
different access. Generated from a seed, so two runs measure the same work.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from search.ranking import Person
from search.schema import SearchDocument

#: The synthetic help center has documents shaped like the portal's own types.
ARTICLE, QUESTION, ANNOUNCEMENT, DOCUMENT = "article", "question", "announcement", "document"

PRODUCTS = ["ledger", "relay", "atlas", "beacon", "harbor", "quill", "orbit", "summit"]
ROLES = ["administrator", "developer", "end-user", "partner"]
STAGES = ["evaluating", "onboarding", "active", "renewal", "at-risk"]
OBJECTS = [
    "invoice",
    "invoices",
    "payment",
    "payments",
    "subscription",
    "subscriptions",
    "webhook",
    "webhooks",
    "api",
    "key",
    "keys",
    "token",
    "tokens",
    "password",
    "account",
    "accounts",
    "user",
    "users",
    "team",
    "teams",
    "role",
    "roles",
    "permission",
    "permissions",
    "dashboard",
    "dashboards",
    "report",
    "reports",
    "export",
    "exports",
    "import",
    "imports",
    "csv",
    "file",
    "files",
    "template",
    "templates",
    "email",
    "emails",
    "sms",
    "message",
    "messages",
    "notification",
    "notifications",
    "integration",
    "integrations",
    "connector",
    "connectors",
    "database",
    "table",
    "tables",
    "query",
    "queries",
    "chart",
    "charts",
    "schedule",
    "schedules",
    "billing",
    "plan",
    "plans",
    "license",
    "licenses",
    "domain",
    "domains",
    "certificate",
    "certificates",
    "proxy",
    "gateway",
    "agent",
    "agents",
    "sync",
    "backup",
    "backups",
    "audit",
    "log",
    "logs",
    "session",
    "sessions",
    "browser",
    "mobile",
    "app",
    "device",
    "devices",
    "calendar",
    "timezone",
    "currency",
    "tax",
    "taxes",
    "refund",
    "refunds",
    "customer",
    "customers",
    "vendor",
    "vendors",
    "region",
    "regions",
    "sandbox",
    "environment",
    "workspace",
]
VERBS = [
    "configure",
    "connect",
    "reset",
    "rotate",
    "export",
    "import",
    "delete",
    "restore",
    "enable",
    "disable",
    "migrate",
    "upgrade",
    "downgrade",
    "invite",
    "remove",
    "verify",
    "schedule",
    "retry",
    "cancel",
    "refund",
    "archive",
    "share",
    "filter",
    "sort",
    "merge",
    "split",
    "rename",
    "move",
    "copy",
    "install",
    "update",
    "sync",
    "monitor",
    "debug",
]
PROBLEMS = [
    "fails", "stops", "times out", "returns an error", "is missing", "is duplicated",
    "is slow", "shows the wrong value", "is blocked", "is rejected", "never arrives",
    "is empty", "keeps asking for a password",
]  # fmt: skip
ERRORS = [
    "401 unauthorized", "403 forbidden", "404 not found", "429 rate_limited", "500 server error",
    "invalid_signature", "card_expired", "quota_exceeded", "ssl handshake failed",
    "connection refused", "permission denied", "timeout after 30s", "invalid_device_token",
    "duplicate key value", "unknown column", "expired token",
]  # fmt: skip
FILLER = [
    "the",
    "a",
    "to",
    "of",
    "and",
    "in",
    "for",
    "on",
    "with",
    "from",
    "after",
    "before",
    "when",
    "while",
    "if",
    "then",
    "this",
    "that",
    "your",
    "our",
    "we",
    "you",
    "it",
    "is",
    "are",
    "was",
    "be",
    "can",
    "should",
    "will",
    "each",
    "every",
    "new",
    "old",
    "first",
    "last",
    "other",
    "same",
    "more",
    "settings",
    "page",
    "menu",
    "option",
    "button",
    "tab",
    "panel",
    "screen",
    "field",
    "value",
    "step",
    "steps",
    "example",
    "note",
    "admin",
    "owner",
    "member",
    "support",
    "guide",
    "help",
    "change",
    "changes",
    "setting",
    "version",
    "release",
]
TAGS = [f"{verb}-{obj}" for verb in VERBS[:12] for obj in OBJECTS[:18]][:220]


def _vocabulary(seed: int = 5) -> list[str]:
    """Words in the order of how often they occur: the support vocabulary above, then
    feature names, setting keys and codes that products accumulate (several thousand)."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(FILLER + OBJECTS + VERBS))
    syllables = [
        "ka",
        "lo",
        "mi",
        "ne",
        "ra",
        "to",
        "vi",
        "su",
        "de",
        "pa",
        "ri",
        "no",
        "ba",
        "te",
        "lu",
        "xi",
        "zo",
        "fa",
        "ge",
        "ho",
    ]
    generated: set[str] = set()
    while len(generated) < 6000:
        shape = rng.random()
        if shape < 0.5:
            word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        elif shape < 0.8:
            word = f"{rng.choice(OBJECTS)}_{rng.choice(syllables)}{rng.choice(syllables)}"
        else:
            word = f"e{rng.randint(1000, 9999)}"
        generated.add(word)
    rest = sorted(generated)
    rng.shuffle(rest)
    return words + rest


VOCABULARY = _vocabulary()
# Zipf-like weights (rank^-1.07): a few words are everywhere, most are rare.
_WEIGHTS = [1 / (rank**1.07) for rank in range(1, len(VOCABULARY) + 1)]
_CUMULATIVE = list(__import__("itertools").accumulate(_WEIGHTS))


def _words(rng: random.Random, count: int) -> list[str]:
    return rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=count)


def _sentence(rng: random.Random, length: int) -> str:
    words = _words(rng, length)
    if rng.random() < 0.05:
        words.insert(rng.randint(0, len(words)), rng.choice(ERRORS))
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random, words: int) -> str:
    parts, count = [], 0
    while count < words:
        length = rng.randint(8, 22)
        parts.append(_sentence(rng, length))
        count += length
    return " ".join(parts)


def _title(rng: random.Random, kind: str, product: str) -> str:
    verb, obj = rng.choice(VERBS), rng.choice(OBJECTS)
    name = product.capitalize()
    if kind == QUESTION:
        return rng.choice(
            [
                f"{obj.capitalize()} {rng.choice(PROBLEMS)} after I {verb} it in {name}",
                f"How do I {verb} {obj} in {name}?",
                f"{rng.choice(ERRORS)} when I {verb} the {obj}",
                f"Can {name} {verb} {obj} automatically?",
            ]
        )
    if kind == ANNOUNCEMENT:
        return rng.choice(
            [
                f"{name}: {obj} {verb} is now available",
                f"Scheduled maintenance for {name} {obj}",
                f"New in {name}: faster {obj}",
            ]
        )
    if kind == DOCUMENT:
        return f"{name} {obj} {verb} checklist.pdf"
    return rng.choice(
        [
            f"{verb.capitalize()} {obj} in {name}",
            f"Troubleshoot {obj} that {rng.choice(PROBLEMS)}",
            f"{name} {obj} reference",
            f"Set up {obj} for your team",
        ]
    )


def documents(count: int, *, seed: int = 7) -> Iterator[SearchDocument]:
    rng = random.Random(seed)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    kinds = [ARTICLE] * 30 + [QUESTION] * 55 + [ANNOUNCEMENT] * 8 + [DOCUMENT] * 7
    for n in range(1, count + 1):
        kind = rng.choice(kinds)
        products = rng.sample(PRODUCTS, rng.choice([1, 1, 1, 2]))
        restricted = rng.random() < 0.15
        access = (
            [f"segment:{rng.randint(1, 40)}" for _ in range(rng.randint(1, 2))]
            if restricted
            else ["public"]
        )
        created = start + timedelta(minutes=rng.randint(0, 60 * 24 * 1400))
        tags = rng.sample(TAGS, rng.randint(1, 5))
        answers = rng.randint(0, 6) if kind == QUESTION else 0
        yield SearchDocument(
            id=f"{kind}:{n}",
            type=kind,
            title=_title(rng, kind, products[0]),
            url=f"/bench/{kind}/{n}/",
            text=_body(rng, rng.randint(60, 320)),
            summary=_sentence(rng, rng.randint(10, 20)) if kind != QUESTION else "",
            accepted_answer=_body(rng, 40) if answers and rng.random() < 0.5 else "",
            tags=tags,
            tag_names=[t.replace("-", " ") for t in tags],
            products=products,
            roles=rng.sample(ROLES, rng.randint(0, 2)),
            stages=rng.sample(STAGES, rng.randint(0, 1)),
            access=access,
            created=created,
            updated=created + timedelta(days=rng.randint(0, 200)),
            published=created,
            helpful_votes=rng.randint(0, 40),
            answer_count=answers,
            solved=bool(answers) and rng.random() < 0.5,
            views=rng.randint(0, 5000),
            promoted=rng.random() < 0.02,
        )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randint(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def queries(count: int, *, seed: int = 11) -> list[tuple[str, dict]]:
    """``(query text, extra request fields)`` pairs, varied like real searches."""
    rng = random.Random(seed)
    found: list[tuple[str, dict]] = []
    shapes = ["words", "words", "words", "error", "phrase", "exclude", "filter", "typo", "ask"]
    while len(found) < count:
        shape = rng.choice(shapes)
        obj, verb = rng.choice(OBJECTS), rng.choice(VERBS)
        extra: dict = {}
        if shape == "words":
            # People search with content words: skip the most common ones.
            picks = rng.choices(VOCABULARY[60:], cum_weights=_CUMULATIVE[60:], k=4)
            text = " ".join(
                rng.sample(OBJECTS + VERBS, rng.randint(0, 2)) + picks[: rng.randint(1, 3)]
            )
        elif shape == "error":
            text = rng.choice(ERRORS)
        elif shape == "phrase":
            text = f'"{verb} {obj}" {rng.choice(PRODUCTS)}'
        elif shape == "exclude":
            text = f"{obj} {verb} -{rng.choice(OBJECTS)}"
        elif shape == "filter":
            text = f"{obj} {verb}"
            extra = rng.choice(
                [
                    {"types": [rng.choice([ARTICLE, QUESTION])]},
                    {"products": [rng.choice(PRODUCTS)]},
                    {"tags": [rng.choice(TAGS)]},
                ]
            )
        elif shape == "typo":
            text = f"{_typo(rng, obj)} {verb}"
        else:
            text = f"how do i {verb} {obj} when it {rng.choice(PROBLEMS)}"
        found.append((text, extra))
    return found


def people(seed: int = 3) -> list[Person]:
    """Visitors: anonymous, members with grants and declared products, staff."""
    rng = random.Random(seed)
    crowd = [Person(access=["public"])] * 4
    for _ in range(4):
        crowd.append(
            Person(
                access=["public", *(f"segment:{rng.randint(1, 40)}" for _ in range(3))],
                products=frozenset(rng.sample(PRODUCTS, 2)),
                roles=frozenset([rng.choice(ROLES)]),
                stages=frozenset([rng.choice(STAGES)]),
                label="member",
            )
        )
    crowd.append(Person(access=None, label="staff"))
    return crowd
