"""Text analysis per language, the same tokens on every backend.

Each language has one or more *variants*, each a chain that turns text into index terms:

- ``en``: the English stemming chain each engine has (the embedded index's ``en_stem``:
  simple tokenizer, lower case, Snowball English; OpenSearch's ``english`` analyzer).
- ``fa`` (Persian): Arabic letters folded to Persian (ي→ی, ك→ک, ة→ه, hamza and alef forms),
  diacritics and tatweel removed, Persian and Arabic-Indic digits to 0–9, ZWNJ removed (so
  ``می‌خواهم``, ``می خواهم`` and ``میخواهم`` meet), then a light stemmer: the verb prefix
  ``می``/``نمی`` before a personal ending, plurals (``ها``, ``های``, ``هایی``), ``ان``,
  ``ات``, comparatives (``تر``, ``ترین``) and possessive endings (``ام``, ``اش``,
  ``مان``, ``تان``, ``شان``).
- ``faj`` (Persian compounds): the same terms, plus each pair of neighbours written
  together, so ``رمزعبور`` finds ``رمز عبور`` and the other way round (weighed lightly).
- ``ro`` (Romanian): ş/ţ and ș/ț unified, lower case, Snowball Romanian, then diacritics
  folded — ``setări`` and ``setari`` meet.
- ``rof`` (Romanian, folded first): diacritics folded, then Snowball Romanian — what a query
  typed without diacritics stems to.

Both engines index the terms made here: one whitespace-separated field per variant
(``title__fa``, ``text__ro``…) holding the terms of the text of documents in that language,
and queries are turned into the same terms before they reach an engine. One implementation
means the same tokens on every backend by construction (stemming is the Snowball Romanian
that tantivy ships); English keeps each engine's own stemming chain. See
docs/decisions/0003-search-per-language.md.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: The site languages and their analysis variants (the first is the main one).
VARIANTS: dict[str, tuple[str, ...]] = {
    "en": ("en",),
    "fa": ("fa", "faj"),
    "ro": ("ro", "rof"),
}
LANGUAGES = tuple(VARIANTS)
#: Variants indexed in fields of their own (English uses the main text fields).
EXTRA_VARIANTS = ("fa", "faj", "ro", "rof")
#: How much a variant's matches count next to its language's main variant.
VARIANT_WEIGHTS = {"en": 1.0, "fa": 1.0, "faj": 0.1, "ro": 1.0, "rof": 1.0}
#: What a language is called, in its own words (facets, labels).
AUTONYMS = {"en": "English", "fa": "فارسی", "ro": "Română"}
#: What people type after ``lang:``.
LANGUAGE_ALIASES = {
    "en": "en",
    "english": "en",
    "fa": "fa",
    "persian": "fa",
    "farsi": "fa",
    "فارسی": "fa",
    "ro": "ro",
    "romanian": "ro",
    "română": "ro",
    "romana": "ro",
}

#: A word: word characters, with the joiners (ZWNJ, ZWJ) inside words kept, like the
#: Unicode word boundaries OpenSearch's ``standard`` tokenizer follows.
_WORD = re.compile(r"\w(?:[\w\u200c\u200d]*\w)?", re.UNICODE)

# --- Persian ------------------------------------------------------------------------------

_FA_MAP: dict[str, str] = {
    "ي": "ی",
    "ى": "ی",
    "ئ": "ی",
    "ك": "ک",
    "ة": "ه",
    "ۀ": "ه",
    "ھ": "ه",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ؤ": "و",
    "\u0640": "",  # tatweel
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",  # zero-width joiner
    "\u0670": "",  # superscript alef
}
_FA_MAP.update({chr(c): "" for c in range(0x064B, 0x0660)})  # harakat
_FA_MAP.update({chr(0x06F0 + i): str(i) for i in range(10)})  # Persian digits
_FA_MAP.update({chr(0x0660 + i): str(i) for i in range(10)})  # Arabic-Indic digits
_FA_TABLE = str.maketrans(_FA_MAP)

#: The light stemmer, as regular expressions (the same in Python and in OpenSearch's
#: ``pattern_replace``): a verb prefix before a personal ending, then plural endings,
#: then other endings on a stem of at least four letters, then possessive endings.
FA_RULES = (
    (r"^(?:ن?می)(.{2,}(?:م|ی|د|یم|ید|ند))$", "$1"),
    (r"^(.{2,}?)(?:هایی|های|ها)$", "$1"),
    (r"^(.{4,}?)(?:ترین|تر|ان|ات)$", "$1"),
    (r"^(.{3,}?)(?:شان|تان|مان|اش|ام)$", "$1"),
)
_FA_COMPILED = tuple((re.compile(p), r.replace("$1", r"\1")) for p, r in FA_RULES)


def normalize_fa(text: str) -> str:
    return (text or "").translate(_FA_TABLE)


def stem_fa(word: str) -> str:
    for pattern, replacement in _FA_COMPILED:
        word = pattern.sub(replacement, word)
    return word


# --- Romanian -----------------------------------------------------------------------------

#: Unified to the cedilla letters the Snowball Romanian stemmer knows.
_RO_TABLE = str.maketrans({"ș": "ş", "ț": "ţ", "Ș": "Ş", "Ț": "Ţ"})


def fold(text: str) -> str:
    """Diacritics removed from Latin letters (ă â î ș ț → a a i s t); other scripts kept."""
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if ord(char) >= 0x0250:  # beyond the Latin blocks: Persian letters keep their marks
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@functools.cache
def _romanian_stemmer():
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.stemmer("romanian"))
        .build()
    )


def _stem_ro_words(words: list[str]) -> list[str]:
    if not words:
        return []
    stemmed = _romanian_stemmer().analyze(" ".join(words))
    return stemmed if len(stemmed) == len(words) else list(words)


# --- Chains --------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case words (Unicode word characters)."""
    return [m.group(0).lower() for m in _WORD.finditer(text or "")]


def terms(text: str, variant: str) -> list[str]:
    """The index terms of ``text`` in analysis ``variant`` (in order, repeats kept)."""
    if variant == "en":
        from .backends.text import english_analyzer

        return english_analyzer().analyze(text or "")
    if variant in ("fa", "faj"):
        stems = [stem_fa(w) for w in words(normalize_fa(text))]
        stems = [s for s in stems if s]
        if variant == "faj":
            return [*stems, *(a + b for a, b in zip(stems, stems[1:], strict=False))]
        return stems
    if variant == "ro":
        return [fold(s) for s in _stem_ro_words(words((text or "").translate(_RO_TABLE)))]
    if variant == "rof":
        return _stem_ro_words([fold(w) for w in words(text)])
    raise ValueError(f"Unknown analysis variant {variant!r}")


def language_of(code: str | None) -> str:
    """A site language for a locale or language code (``fa-IR`` → ``fa``; else ``en``)."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in VARIANTS else "en"


def resolve_language(value: str) -> str | None:
    """What someone typed after ``lang:`` → a language code, or ``None``."""
    return LANGUAGE_ALIASES.get(value.strip().lower())


def variant_field(field: str, variant: str) -> str:
    """The embedded index's field holding ``field`` analysed as ``variant``."""
    return field if variant == "en" else f"{field}__{variant}"


_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


def arabic_script(word: str) -> bool:
    """Whether ``word`` is written in the Arabic script (Persian)."""
    return bool(_ARABIC_SCRIPT.search(word))


@functools.lru_cache(maxsize=200_000)
def match_keys(word: str) -> frozenset[str]:
    """Every form ``word`` takes in the analyses of its script (Persian for Arabic letters;
    English and Romanian for the others): two words match (in snippets) when they share
    one."""
    variants = ("fa",) if arabic_script(word) else ("en", "ro", "rof")
    keys = set()
    for variant in variants:
        found = terms(word, variant)
        if found:
            keys.add(f"{variant}:{found[0]}")
    return frozenset(keys)
