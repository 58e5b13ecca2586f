"""Demo community content: questions with answers, votes, comments and flags, read from
``demo/content/<language>/questions/*.md`` and written through ``forum.services``.

A file is a front-matter block between ``---`` lines, the question body, then sections::

    ---
    title: Webhook retries stopped after we rotated the signing secret
    product: relay
    tags: webhooks, signing secret
    author: community-3
    status: solved
    votes: 7
    views: 184
    days_ago: 12
    restricted: no
    flag: spam
    ---
    Question body in Markdown...

    === answer author=agent votes=9 accepted=yes
    Answer body...

    === comment on=answer-1 author=community-5
    Comment text

``on=`` is ``question`` or ``answer-N`` (the N-th answer of the file, from 1). Files are
parsed strictly: any mistake raises ``DemoContentError`` naming the file and line, before
anything is written. Loading is idempotent: a question whose slug exists is skipped.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from forum import services, trust
from forum.errors import ForumError
from forum.models import Question
from forum.visibility import can_view_question, is_moderator
from segments.models import Segment

from .frontmatter import ENGLISH_DIR

CONTENT_DIR = ENGLISH_DIR / "questions"

FRONT_MATTER_KEYS = (
    "title",
    "product",
    "tags",
    "author",
    "status",
    "votes",
    "views",
    "days_ago",
    "restricted",
    "flag",
)
REQUIRED_KEYS = ("title", "product", "tags", "author")
FLAG_REASONS = ("spam", "abusive", "off-topic")
STATUSES = ("open", "answered", "solved")
YES = {"yes", "true", "1"}
NO = {"no", "false", "0", ""}
_FRONT_LINE = re.compile(r"^([a-z_]+):(.*)$")
_SECTION = re.compile(r"^===(?:\s+(.*))?$")


class DemoContentError(ValueError):
    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class DemoAnswer:
    author: str
    body: str
    line: int
    votes: int = 0
    accepted: bool = False


@dataclass
class DemoComment:
    author: str
    body: str
    line: int
    on_answer: int | None = None  # 1-based answer number; None: on the question


@dataclass
class DemoQuestion:
    path: Path
    title: str
    product: str
    tags: list[str]
    author: str
    body: str
    status: str = ""
    votes: int = 0
    views: int = 0
    days_ago: int = 0
    restricted: bool = False
    flag: str = ""
    lines: dict[str, int] = field(default_factory=dict)
    events: list[DemoAnswer | DemoComment] = field(default_factory=list)

    @property
    def answers(self) -> list[DemoAnswer]:
        return [event for event in self.events if isinstance(event, DemoAnswer)]


# --- Parsing --------------------------------------------------------------------------


def _int(path, line, key, value, *, minimum=None) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise DemoContentError(path, line, f"{key} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise DemoContentError(path, line, f"{key} must be at least {minimum}")
    return number


def _bool(path, line, key, value) -> bool:
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise DemoContentError(path, line, f"{key} must be yes or no, not {value!r}")


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, tuple[str, int]], int]:
    if not lines or lines[0].strip() != "---":
        raise DemoContentError(path, 1, "the file must start with a '---' line")
    values: dict[str, tuple[str, int]] = {}
    for index in range(1, len(lines)):
        number, text = index + 1, lines[index]
        if text.strip() == "---":
            return values, index + 1
        if not text.strip():
            continue
        match = _FRONT_LINE.match(text)
        if not match:
            raise DemoContentError(path, number, f"expected 'key: value', got {text!r}")
        key, value = match.group(1), match.group(2).strip()
        if key not in FRONT_MATTER_KEYS:
            raise DemoContentError(
                path, number, f"unknown key {key!r} (known: {', '.join(FRONT_MATTER_KEYS)})"
            )
        if key in values:
            raise DemoContentError(path, number, f"{key!r} is given twice")
        values[key] = (value, number)
    raise DemoContentError(path, len(lines), "the front matter is not closed with a '---' line")


def _section_options(path, number, text, allowed, required) -> dict[str, str]:
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise DemoContentError(path, number, f"cannot read the section line: {error}") from None
    options: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise DemoContentError(path, number, f"expected key=value, got {word!r}")
        if key not in allowed:
            raise DemoContentError(
                path, number, f"unknown option {key!r} (known: {', '.join(allowed)})"
            )
        if key in options:
            raise DemoContentError(path, number, f"{key!r} is given twice")
        options[key] = value
    for key in required:
        if not options.get(key):
            raise DemoContentError(path, number, f"{key}= is required")
    return options


def parse_file(path: Path) -> DemoQuestion:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise DemoContentError(path, 1, f"not UTF-8 text ({error})") from None
    values, start = _front_matter(path, lines)
    for key in REQUIRED_KEYS:
        if not values.get(key, ("", 0))[0]:
            raise DemoContentError(path, 1, f"the front matter needs {key!r}")

    def get(key, default=""):
        return values.get(key, (default, 1))

    try:
        tags = services.parse_tags(get("tags")[0])
    except ForumError as error:
        raise DemoContentError(path, get("tags")[1], f"tags: {error.message}") from None
    title, title_line = get("title")
    try:
        services.clean_title(title)
    except ForumError as error:
        raise DemoContentError(path, title_line, f"title: {error.message}") from None
    status, status_line = get("status")
    status = status.lower()
    if status and status not in STATUSES:
        raise DemoContentError(path, status_line, f"status must be one of {', '.join(STATUSES)}")
    flag, flag_line = get("flag")
    flag = flag.lower()
    if flag and flag not in FLAG_REASONS:
        raise DemoContentError(path, flag_line, f"flag must be one of {', '.join(FLAG_REASONS)}")
    question = DemoQuestion(
        path=path,
        title=title,
        product=get("product")[0],
        tags=tags,
        author=get("author")[0],
        body="",
        status=status,
        votes=_int(path, get("votes")[1], "votes", get("votes", "0")[0] or "0"),
        views=_int(path, get("views")[1], "views", get("views", "0")[0] or "0", minimum=0),
        days_ago=_int(
            path, get("days_ago")[1], "days_ago", get("days_ago", "0")[0] or "0", minimum=0
        ),
        restricted=_bool(path, get("restricted")[1], "restricted", get("restricted")[0]),
        flag=flag,
        lines={key: line for key, (_value, line) in values.items()},
    )

    # Sections: the question body, then "=== answer" / "=== comment" blocks.
    current: list[str] = []
    current_event: DemoAnswer | DemoComment | None = None
    body_line = start + 1

    def close():
        text = "\n".join(current).strip()
        if current_event is None:
            if not text:
                raise DemoContentError(path, body_line, "the question has no body")
            question.body = text
        else:
            if not text:
                raise DemoContentError(path, current_event.line, "this section has no text")
            current_event.body = text
            question.events.append(current_event)

    for index in range(start, len(lines)):
        number, text = index + 1, lines[index]
        match = _SECTION.match(text)
        if not match:
            current.append(text)
            continue
        close()
        current = []
        header = (match.group(1) or "").strip()
        kind, _sep, rest = header.partition(" ")
        if kind == "answer":
            options = _section_options(
                path, number, rest, ("author", "votes", "accepted"), ("author",)
            )
            current_event = DemoAnswer(
                author=options["author"],
                body="",
                line=number,
                votes=_int(path, number, "votes", options.get("votes", "0")),
                accepted=_bool(path, number, "accepted", options.get("accepted", "no")),
            )
        elif kind == "comment":
            options = _section_options(path, number, rest, ("on", "author"), ("on", "author"))
            target = options["on"]
            on_answer = None
            if target != "question":
                found = re.fullmatch(r"answer-(\d+)", target)
                if not found or int(found.group(1)) < 1:
                    raise DemoContentError(
                        path, number, f"on= must be 'question' or 'answer-N', not {target!r}"
                    )
                on_answer = int(found.group(1))
            current_event = DemoComment(
                author=options["author"], body="", line=number, on_answer=on_answer
            )
        else:
            raise DemoContentError(
                path, number, f"unknown section {kind!r}: use '=== answer' or '=== comment'"
            )
    close()

    answers = question.answers
    accepted = [answer for answer in answers if answer.accepted]
    if len(accepted) > 1:
        raise DemoContentError(path, accepted[1].line, "only one answer can be accepted")
    for event in question.events:
        if isinstance(event, DemoComment) and event.on_answer and event.on_answer > len(answers):
            raise DemoContentError(
                path, event.line, f"there is no answer-{event.on_answer} in this file"
            )
    if question.status:
        derived = "solved" if accepted else "answered" if answers else "open"
        if question.status != derived:
            raise DemoContentError(
                path,
                status_line,
                f"status is {question.status!r} but the answers make it {derived!r} "
                "(solved needs an accepted answer; answered needs answers)",
            )
    return question


def read_folder(folder: Path | None = None) -> list[DemoQuestion]:
    folder = Path(folder or CONTENT_DIR)
    if not folder.exists():
        return []
    return [parse_file(path) for path in sorted(folder.glob("*.md"))]


# --- Loading --------------------------------------------------------------------------


def _check_references(item: DemoQuestion, users_by_key: Mapping, products: dict) -> None:
    if item.product not in products:
        raise DemoContentError(
            item.path, item.lines.get("product", 1), f"no product segment {item.product!r}"
        )
    people = [(item.author, item.lines.get("author", 1))]
    people += [(event.author, event.line) for event in item.events]
    for key, line in people:
        if key not in users_by_key:
            raise DemoContentError(item.path, line, f"no demo account {key!r}")


def _voters(post, question: Question, users: list) -> list:
    return [
        user
        for user in users
        if user.pk != post.author_id and user.is_active and can_view_question(question, user)
    ]


def _apply_votes(post, question: Question, count: int, users: list) -> int:
    value = 1 if count > 0 else -1
    voters = _voters(post, question, users)[: abs(count)]
    for user in voters:
        services.vote(user, post, value, enforce_limits=False)
    return len(voters)


def load_question(
    item: DemoQuestion, users_by_key: Mapping, product: Segment, language: str = "en"
) -> dict:
    counts = {"questions": 0, "answers": 0, "comments": 0, "votes": 0, "flags": 0}
    users = [users_by_key[key] for key in sorted(users_by_key)]
    author = users_by_key[item.author]
    now = timezone.now()
    asked = now - timedelta(days=item.days_ago)
    gap = min(timedelta(hours=5), (now - asked) / (len(item.events) + 2))
    question = services.ask_question(
        author,
        title=item.title,
        body=item.body,
        product=product,
        tags=item.tags,
        restricted=item.restricted,
        enforce_limits=False,
        notify=False,
        at=asked,
        language=language,
    )
    counts["questions"] += 1
    answers = []
    accepted = None
    for step, event in enumerate(item.events, start=1):
        when = asked + gap * step
        person = users_by_key[event.author]
        if isinstance(event, DemoAnswer):
            answer = services.post_answer(
                question, person, body=event.body, enforce_limits=False, notify=False, at=when
            )
            answers.append((answer, event))
            counts["answers"] += 1
            if event.accepted:
                accepted = (answer, when)
        else:
            target = answers[event.on_answer - 1][0] if event.on_answer else None
            if event.on_answer and target is None:
                raise DemoContentError(item.path, event.line, "comment before its answer")
            services.add_comment(
                person,
                question=question,
                answer=target,
                body=event.body,
                enforce_limits=False,
                notify=False,
                at=when,
            )
            counts["comments"] += 1
    if accepted:
        services.accept_answer(accepted[0], question.author, notify=False, at=accepted[1])
    counts["votes"] += _apply_votes(question, question, item.votes, users)
    for answer, event in answers:
        counts["votes"] += _apply_votes(answer, question, event.votes, users)
    services.set_view_count(question, item.views)
    return counts


def flag_reporter(question: Question, reason: str, users: list):
    """Who flags a demo question: for spam, the community member the forum trusts most
    (``forum.trust``: their one flag hides it pending review, so no visitor sees the spam);
    for other reasons, the one it trusts least (the flag waits in the moderation queue and
    the post stays up). Staff and moderators never flag in the demo."""
    candidates = []
    for user in users:
        if user.pk == question.author_id or not user.is_active or is_moderator(user):
            continue
        if not can_view_question(question, user):
            continue
        trust.forget(user)  # levels change as the demo grows
        candidates.append(user)
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda user: (trust.trust_level(user), -user.pk))
    return ranked[-1] if reason == "spam" else ranked[0]


def load_forum_demo(
    users_by_key: Mapping,
    progress: Callable[..., None] | None = None,
    *,
    content_dir: Path | None = None,
    language: str = "en",
) -> dict:
    """Create the demo questions that do not exist yet, written in ``language``; returns
    counts of what was made."""
    items = read_folder(content_dir)
    products = {
        segment.slug: segment for segment in Segment.objects.filter(kind=Segment.Kind.PRODUCT)
    }
    for item in items:
        _check_references(item, users_by_key, products)
    totals = {"questions": 0, "answers": 0, "comments": 0, "votes": 0, "flags": 0, "skipped": 0}
    flagged: list[tuple[Question, str]] = []
    for item in items:
        if Question.objects.filter(slug=services.slug_for(item.title)).exists():
            totals["skipped"] += 1
        else:
            with transaction.atomic():
                try:
                    counts = load_question(item, users_by_key, products[item.product], language)
                except ForumError as error:
                    raise DemoContentError(item.path, 1, error.message) from None
            if item.flag:
                slug = services.slug_for(item.title)
                flagged.append((Question.objects.filter(slug=slug).latest("pk"), item.flag))
            for key, value in counts.items():
                totals[key] += value
        if progress:
            progress()
    # Flags last, once the members have the standing the whole demo gives them.
    users = [users_by_key[key] for key in sorted(users_by_key)]
    for question, reason in flagged:
        reporter = flag_reporter(question, reason, users)
        if reporter is not None:
            with transaction.atomic():
                services.flag_post(reporter, question, reason=reason, enforce_limits=False)
            totals["flags"] += 1
    return totals
