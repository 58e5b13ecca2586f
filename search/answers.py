"""A direct answer: the passage of a top result that best answers a question-like query.

Shown above the results on the search page and the "Contact support" suggestions. It is
**extractive only**: a sentence or short paragraph copied from a knowledge-base article or
an accepted community answer, with its source's title and link; nothing is generated.

How one is chosen (``direct_answer``):

1. the query must be *question-like* (``is_question_like``): a question mark (``?``,
   Persian ``؟``), a question word in English, Persian or Romanian, or at least
   ``MIN_WORDS`` words;
2. the candidates are the passages of the first ``TOP_HITS`` results the caller passes —
   results that were already checked against the person's access (``segments.policy``
   through the search service), never a separate lookup — and only articles and accepted
   answers (``ANSWER_TYPES``);
3. a source is split into short paragraphs and sentences (``split_passages``: ``.``,
   ``!``, ``?``, ``؟``, ``۔`` and ``…`` end a sentence);
4. the query and the passages are embedded by the sentence encoder of the source's
   language (``search.embeddings``); passage vectors are kept in this process by a hash
   of the encoder's version and the passage (``PassageVectors``), so a popular article is
   embedded once (and so are the query vectors of repeated queries);
5. the passage with the highest cosine wins if it reaches its model's threshold
   (``THRESHOLDS``, tuned on the demo content so that unrelated queries get no answer).

It never raises: when the encoders are off (``SEARCH_EMBEDDINGS=off``), the direct answer
is off (``SEARCH_DIRECT_ANSWER=off``), or encoding fails, there is no direct answer and the
page works as before.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core import signing

from core import metrics

from .analysis import language_of

logger = logging.getLogger(__name__)

#: Results whose passages compete (the best few, in the order given).
TOP_HITS = 3
#: A query of this many words is question-like even without a question word.
MIN_WORDS = 4
#: Types a direct answer may come from: articles and (accepted answers of) questions.
ANSWER_TYPES = ("article", "question")
#: A paragraph up to this long is one passage; a longer one is split into sentences.
SHORT_PARAGRAPH = 280
#: Longest passage shown (a longer sentence is cut at a word).
MAX_PASSAGE_CHARS = 400
#: Shortest passage considered (headings, "Steps:", "Yes." answer nothing).
MIN_PASSAGE_CHARS = 25
#: Passages embedded per source at most (the first ones: answers come early).
MAX_PASSAGES = 40
#: Least cosine between the query and the passage, per model (MiniLM's cosines spread
#: around 0; e5's crowd into 0.7–0.9). Tuned on the demo content (see the README).
THRESHOLDS = {"minilm": 0.5, "e5-small": 0.845}
#: How long the "Did this answer your question?" form stays valid.
TOKEN_MAX_AGE = 24 * 60 * 60
TOKEN_SALT = "search.direct-answer"

# Question words by language: any of ``ANY`` anywhere, or one of ``FIRST`` as first word.
QUESTION_WORDS = {
    "en": {
        "any": {"what", "how", "why", "when", "where", "which", "who", "whom", "whose"},
        "first": {
            "can", "could", "do", "does", "did", "is", "are", "was", "were", "should",
            "would", "will", "may", "must", "has", "have", "am",
        },
    },
    "fa": {
        "any": {
            "چرا", "چطور", "چطوری", "چگونه", "چه", "چی", "چیست", "کجا", "کجاست", "کی",
            "کدام", "کدوم", "آیا", "چند", "چقدر",
        },
        "first": set(),
    },
    "ro": {
        "any": {
            "ce", "cum", "când", "cand", "unde", "care", "cine", "cât", "cat", "câte", "cate",
            "câți", "cati", "câtă", "cata", "oare",
        },
        "first": {"pot", "poate", "putem", "este", "există", "exista", "se", "trebuie"},
    },
}  # fmt: skip
_QUESTION_MARKS = ("?", "؟")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_PARAGRAPHS = re.compile(r"\n\s*\n")
# A sentence ends at . ! ? ؟ ۔ … (and any closing quotes or brackets) before a space.
_SENTENCE_END = re.compile(r"(?<=[.!?؟۔…])[\"'”’»)\]]*\s+")


def enabled() -> bool:
    """Whether direct answers are on (``SEARCH_DIRECT_ANSWER``, and the encoders on)."""
    from .embeddings import embeddings_enabled

    value = str(getattr(settings, "SEARCH_DIRECT_ANSWER", "on")).strip().lower()
    return value not in {"off", "0", "false", "no"} and embeddings_enabled()


def is_question_like(text: str) -> bool:
    """A question mark (``?``, ``؟``), a question word in en/fa/ro (``what``, ``چرا``,
    ``cum``…; ``can``/``pot``… only as the first word), or at least ``MIN_WORDS`` words."""
    text = str(text or "").strip()
    if not text:
        return False
    if any(mark in text for mark in _QUESTION_MARKS):
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) >= MIN_WORDS:
        return True
    if not words:
        return False
    for vocabulary in QUESTION_WORDS.values():
        if words[0] in vocabulary["first"] or any(w in vocabulary["any"] for w in words):
            return True
    return False


# A space left before punctuation where inline markup was (``**Save** .``).
_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[.,;:!?؟،۔…)](?:\s|$))")


def _plain(text: str) -> str:
    return _SPACE_BEFORE_MARK.sub("", " ".join(str(text or "").split()))


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph (``.``, ``!``, ``?``, ``؟``, ``۔``, ``…`` end one)."""
    plain = _plain(text)
    return [s.strip() for s in _SENTENCE_END.split(plain) if s.strip()]


def _clip(text: str, length: int = MAX_PASSAGE_CHARS) -> str:
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut}…"


def split_passages(text: str) -> list[str]:
    """Passages of a plain text whose paragraphs are separated by blank lines: a short
    paragraph whole, a longer one sentence by sentence; too short ones dropped."""
    passages: list[str] = []
    for paragraph in _PARAGRAPHS.split(str(text or "")):
        plain = _plain(paragraph)
        if not plain:
            continue
        parts = [plain] if len(plain) <= SHORT_PARAGRAPH else split_sentences(plain)
        for part in parts:
            if len(part) >= MIN_PASSAGE_CHARS and len(_WORD.findall(part)) >= 3:
                passages.append(_clip(part))
    return list(dict.fromkeys(passages))


def markdown_paragraphs(markdown: str) -> str:
    """The running text of a Markdown source, paragraph by paragraph (blank lines between):
    headings, tables, code and callout fences dropped, each block made plain text."""
    from core.markdown import markdown_to_text

    blocks: list[list[str]] = [[]]
    in_code = False
    for line in str(markdown or "").splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            blocks.append([])
            continue
        if in_code or line.startswith("    "):
            continue
        if not stripped or stripped.startswith(("#", ":::", "|")):
            blocks.append([])
            continue
        blocks[-1].append(line)
    texts = (markdown_to_text("\n".join(block)) for block in blocks if block)
    return "\n\n".join(t for t in texts if t)


def source_text(result) -> str:
    """What of a search result may answer: an article's body, a question's accepted
    answer; ``""`` for anything else. ``result`` is a ``search.service.Result`` (or
    anything with ``type``, ``obj`` and ``document``)."""
    kind = getattr(result, "type", "")
    if kind not in ANSWER_TYPES:
        return ""
    document = getattr(result, "document", None)
    if kind == "question":
        accepted = getattr(document, "accepted_answer", "") if document is not None else ""
        return accepted if getattr(result, "solved", False) else ""
    markdown = getattr(getattr(result, "obj", None), "markdown_source", None)
    if markdown:
        return markdown_paragraphs(markdown)
    return getattr(document, "text", "") if document is not None else ""


@dataclass(frozen=True)
class Candidate:
    """A source that may hold the answer: one access-checked result."""

    key: str  # the search document id ("article:12")
    title: str
    url: str
    language: str
    passages: tuple[str, ...]

    @classmethod
    def from_result(cls, result) -> Candidate | None:
        passages = split_passages(source_text(result))[:MAX_PASSAGES]
        if not passages or not getattr(result, "url", ""):
            return None
        return cls(
            key=str(result.id),
            title=str(result.title),
            url=str(result.url),
            language=language_of(getattr(result, "language", "") or settings.LANGUAGE_CODE),
            passages=tuple(passages),
        )


@dataclass(frozen=True)
class DirectAnswer:
    text: str
    title: str
    url: str
    key: str
    language: str
    score: float

    def as_api(self) -> dict:
        return {"text": self.text, "title": self.title, "url": self.url}

    def token(self, surface: str) -> str:
        """A signed token for the feedback form: what was shown, where, and a nonce that
        makes each showing one feedback row (answering again changes it)."""
        return signing.dumps(
            {
                "k": self.key,
                "t": self.title[:255],
                "u": self.url[:500],
                "s": surface,
                "n": secrets.token_hex(12),
            },
            salt=TOKEN_SALT,
            compress=True,
        )


@dataclass(frozen=True)
class Shown:
    """A direct answer's feedback token, read back (``read_token``)."""

    key: str
    title: str
    url: str
    surface: str
    nonce: str


def read_token(token: str) -> Shown | None:
    """The direct answer a feedback token names, or ``None`` if forged, expired or bad."""
    try:
        data = signing.loads(str(token or ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        return Shown(
            key=str(data["k"]),
            title=str(data["t"]),
            url=str(data["u"]),
            surface=str(data["s"]),
            nonce=str(data["n"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


class PassageVectors:
    """Passage (and query) vectors by a hash of the encoder's version and the text, kept in
    this process (least recently used out first)."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.encoded = 0  # passages encoded (not found here): read by tests and benchmarks

    @staticmethod
    def key(version: str, text: str) -> str:
        return hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()

    def vectors(self, encoder, passages: Sequence[str]) -> np.ndarray:
        version = encoder.version
        keys = [self.key(version, p) for p in passages]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for key in keys:
                vector = self._vectors.get(key)
                if vector is not None:
                    self._vectors.move_to_end(key)
                    found[key] = vector
        missing = list(
            dict.fromkeys(p for p, k in zip(passages, keys, strict=True) if k not in found)
        )
        if missing:
            fresh = encoder.encode_passages(missing)
            self.encoded += len(missing)
            with self._lock:
                for passage, vector in zip(missing, fresh, strict=True):
                    key = self.key(version, passage)
                    found[key] = self._vectors[key] = vector
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([found[k] for k in keys])

    def query(self, encoder, text: str) -> np.ndarray:
        """A query's vector (queries repeat: the popular ones are encoded once)."""
        key = "q:" + self.key(encoder.version, text)
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
                return vector
        vector = encoder.encode_queries([text])[0]
        with self._lock:
            self._vectors[key] = vector
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vector

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


passage_vectors = PassageVectors()


def best_passage(query: str, candidates: Sequence[Candidate]) -> DirectAnswer | None:
    """The passage of ``candidates`` closest in meaning to ``query``, if close enough.

    Each candidate's passages are compared with the query by the encoder of the
    candidate's language; raises ``EncoderUnavailable`` (or the encoder's error)."""
    from .embeddings import get_encoder

    best: DirectAnswer | None = None
    best_margin = 0.0
    queries: dict[str, np.ndarray] = {}
    for candidate in candidates:
        encoder = get_encoder(candidate.language)
        threshold = THRESHOLDS.get(encoder.name)
        if threshold is None:
            continue
        if encoder.name not in queries:
            queries[encoder.name] = passage_vectors.query(encoder, query)
        scores = passage_vectors.vectors(encoder, candidate.passages) @ queries[encoder.name]
        index = int(np.argmax(scores))
        score = float(scores[index])
        if score < threshold:
            continue
        # Compared across models by how far above its own threshold each one is.
        margin = score - threshold
        if best is None or margin > best_margin:
            best_margin = margin
            best = DirectAnswer(
                text=candidate.passages[index],
                title=candidate.title,
                url=candidate.url,
                key=candidate.key,
                language=candidate.language,
                score=score,
            )
    return best


def direct_answer(query: str, results: Sequence) -> DirectAnswer | None:
    """The direct answer for ``query`` from the first ``TOP_HITS`` answering ``results``
    (already access-checked search results, best first), or ``None``. Never raises."""
    query = " ".join(str(query or "").split())[:500]
    if not results or not enabled() or not is_question_like(query):
        return None
    try:
        candidates = []
        for result in results:
            candidate = Candidate.from_result(result)
            if candidate is not None:
                candidates.append(candidate)
            if len(candidates) >= TOP_HITS:
                break
        if not candidates:
            return None
        return best_passage(query, candidates)
    except Exception as exc:
        from .embeddings import EncoderUnavailable

        if isinstance(exc, EncoderUnavailable):
            logger.info("No direct answer: %s", exc)
        else:
            logger.warning("No direct answer (%s: %s).", type(exc).__name__, exc)
        metrics.increment("search.direct_answer_unavailable")
        return None
