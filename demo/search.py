"""Demo search data: editors' synonyms, and a month of searches so the report has data.

The searches are real: each demo query is run through the search service over the demo's
index, and its actual result count and latency are written to the log, dated over the
last 30 days, with clicks on some of the results. Loaded once (idempotent).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

SYNONYMS = [
    ("log in, sign in, login, signin", "Members say both."),
    ("2fa, two factor authentication, two-factor, mfa, multi-factor", ""),
    ("sso, single sign-on, saml", ""),
    ("delete account, close account, remove account", ""),
    ("cancel subscription, end subscription, stop subscription", ""),
    ("text message, sms", ""),
]

#: (query, how many people searched it) — what Tessellate customers type.
QUERIES = [
    ("reset password", 14), ("webhook signature", 11), ("invoice pdf", 9),
    ("sms billed segments", 7), ("api rate limit", 8), ("sso", 6), ("export csv", 9),
    ("refund", 5), ("vat tax", 4), ("2fa", 6), ("change plan", 5), ("delete account", 3),
    ("bounce", 4), ("dunning retries", 3), ("currency exchange rate", 3),
    ("dashboard share link", 4), ("connector timeout", 3), ("log in", 4),
    ("pasword reset", 2), ("webhok retries", 2), ("salesforce integration", 3),
    ("quickbooks", 4), ("whatsapp", 3), ("kubernetes", 2), ("invoice numbering", 3),
]  # fmt: skip


def load_search_demo(seed: int = 17) -> dict[str, int]:
    from search.models import SearchClick, SearchLog, Synonym
    from search.service import SearchRequest, SearchService

    made = {"synonyms": 0, "searches": 0}
    with transaction.atomic():
        for terms, note in SYNONYMS:
            _, created = Synonym.objects.get_or_create(terms=terms, defaults={"note": note})
            made["synonyms"] += created
    if SearchLog.objects.exists():
        return made
    rng = random.Random(seed)
    service = SearchService()
    now = timezone.now()
    logs, clicks = [], []
    for query, people in QUERIES:
        page = service.search(SearchRequest(q=query), None)
        if page.error:
            continue  # the engine is not there: no invented numbers
        for person in range(people):
            log = SearchLog(
                created_at=now - timedelta(minutes=rng.randint(10, 30 * 24 * 60)),
                source=SearchLog.Source.PAGE,
                query=query,
                normalized=page.parsed.normalized,
                result_count=page.total,
                segment=rng.choice(["anonymous", "anonymous", "product:ledger", "product:relay"]),
                session_key=f"demo-{query}-{person}",
                latency_ms=round(page.latency_ms * rng.uniform(0.8, 1.3), 2),
                backend=page.backend,
            )
            logs.append(log)
            if page.results and rng.random() < 0.55:
                rank = min(len(page.results), rng.choice([1, 1, 1, 2, 3]))
                clicks.append((log, rank, page.results[rank - 1].id))
    with transaction.atomic():
        SearchLog.objects.bulk_create(logs)
        SearchClick.objects.bulk_create(
            SearchClick(search=log, rank=rank, item=item, created_at=log.created_at)
            for log, rank, item in clicks
        )
    made["searches"] = len(logs)
    return made
