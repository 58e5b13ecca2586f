"""Query text → words, the same way for every backend; the English analyzer."""

import functools
import re

#: Longest query, in words, a backend evaluates (the rest is ignored).
MAX_QUERY_WORDS = 32
_WORD = re.compile(r"\w+", re.UNICODE)


def query_words(text: str | None, limit: int = MAX_QUERY_WORDS) -> list[str]:
    """Distinct lowercase words of ``text``, in order, at most ``limit``."""
    words = dict.fromkeys(match.group(0).lower() for match in _WORD.finditer(text or ""))
    return [w for w in words if len(w) <= 40][:limit]


@functools.cache
def english_analyzer():
    """Simple tokenizer, long words dropped, lower case, English stemmer: the query-side twin
    of tantivy's ``en_stem`` tokenizer (the embedded index, and snippets on every backend)."""
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
