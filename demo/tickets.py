"""Demo support history for Tessellate: tickets in every state with their conversations and
internal notes, and twelve weeks of "Contact support" flows so the funnel report has
something to show. Everything is written through ``tickets.services`` (and suggestions come
through ``tickets.deflection.suggest_answers``, like on the site).

Loading is idempotent: every story has a stable identity (a flow id derived from its name,
or its requester and subject) and is skipped when it exists. Ticket numbers follow the
order in which the tickets were filed.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from segments.models import Segment
from tickets import services
from tickets.deflection import suggest_answers
from tickets.models import FlowQuery, SupportFlow, Ticket

NAMESPACE = uuid.UUID("5d6c1f4e-8f0b-4c47-9a43-7c2b7d1e0a11")
HISTORY_FLOWS = 126
HISTORY_DAYS = 84
HISTORY_FILING_DELAY = timedelta(minutes=9)
P, N, H, U = (
    Ticket.Priority.LOW,
    Ticket.Priority.NORMAL,
    Ticket.Priority.HIGH,
    Ticket.Priority.URGENT,
)


@dataclass
class Step:
    """One thing that happens after a ticket is filed, ``hours`` after it was filed.

    ``kind``: ``agent`` (public reply), ``customer`` (reply), ``note`` (internal),
    ``status``, ``priority``, ``assign`` (``value`` is an account key or ""), ``close``.
    """

    kind: str
    hours: float
    body: str = ""
    value: object = None
    by: str = "agent"


@dataclass
class Story:
    key: str
    requester: str
    product: str
    subject: str
    description: str
    priority: int
    categories: tuple[str, ...]
    hours_ago: float
    steps: list[Step] = field(default_factory=list)
    searched: str = ""  # a site search before Contact support
    attachment: tuple[str, str] | None = None
    language: str = ""  # the language it is written in ("": the interface's)


STAGING_LOG = """\
2026-03-03T10:14:07Z POST /hooks/relay evt_01HX9K2M4T8Q content-length=1873 sig=FAIL
2026-03-03T10:14:09Z POST /hooks/relay evt_01HX9K2N0B2R content-length=1911 sig=ok
2026-03-03T10:14:12Z POST /hooks/relay evt_01HX9K2P7C4S content-length=1790 sig=FAIL
2026-03-03T10:14:15Z POST /hooks/relay evt_01HX9K2Q9D6T content-length=1652 sig=FAIL
2026-03-03T10:14:21Z POST /hooks/relay evt_01HX9K2R3E8V content-length=2044 sig=ok
"""

STORIES = [
    Story(
        key="reverse-charge",
        requester="member-administrator",
        product="ledger",
        subject="Reverse charge not applied for our Irish customer",
        description=(
            "We invoiced Corrib Analytics Ltd (VAT ID IE6388047V) on Monday and Ledger added "
            "23% Irish VAT instead of applying reverse charge. Their VAT ID is saved on the "
            "customer record and shows a green tick today. The invoice is INV-2026-0418.\n\n"
            "We need to send them a corrected invoice before their month-end close on Friday."
        ),
        priority=N,
        categories=("billing",),
        hours_ago=6 * 24,
        searched="reverse charge vat",
        steps=[
            Step(
                "note",
                2,
                "VIES had an outage on Monday 13:50–15:20 UTC. The VAT ID check on the "
                "customer record most likely failed then, so Ledger charged domestic VAT when "
                "the invoice was finalized. New invoices are fine; the finalized one needs a "
                "credit note.",
            ),
            Step(
                "agent",
                3,
                "Hello Priya,\n\nthank you for the invoice number, that made this quick to "
                "trace. When INV-2026-0418 was finalized on Monday afternoon, the EU VAT "
                "service (VIES) was unavailable for about 90 minutes, so Ledger could not "
                "confirm the VAT ID and charged domestic VAT as a precaution. The customer "
                "record has validated since, so new invoices apply reverse charge "
                "automatically.\n\nFor the invoice already sent: open it, choose More → Issue "
                "credit note for the full amount, then duplicate the invoice and finalize the "
                'copy. It will show "Reverse charge — Article 196, Council Directive '
                '2006/112/EC".\n\nCould you confirm the new invoice looks right before you '
                "send it?\n\nSam",
                value="pending",
            ),
        ],
    ),
    Story(
        key="staging-signatures",
        requester="member-developer",
        product="relay",
        subject="Webhook signatures fail only on our staging endpoint",
        description=(
            "Production verifies every Relay webhook fine, but on staging "
            "(https://staging-api.brightpath.example/hooks/relay) about 70% of deliveries "
            "fail our signature check. Same code, same signing secret (we checked twice). "
            "It started when we moved staging behind our new CDN last week.\n\n"
            "Example delivery: evt_01HX9K2M4T8Q. Our log of a few deliveries is attached."
        ),
        priority=N,
        categories=("integration",),
        hours_ago=4 * 24,
        attachment=("staging-webhook.log", STAGING_LOG),
        steps=[
            Step(
                "agent",
                5,
                "Hi Diego,\n\nthanks for the example event and the log. Relay signs the exact "
                "bytes of the request body. In your log, the failing deliveries reach your app "
                "with a content-length a few bytes smaller than the one we sent, which usually "
                "means something in between re-encodes the JSON — a CDN that minifies or "
                "normalises payloads, for example.\n\nCould you check whether the CDN has body "
                "transformation or compression switched on for /hooks/*, and if possible log "
                "the raw body before your framework parses it?\n\nSam",
                value="pending",
            ),
            Step(
                "customer",
                26,
                'You were right: the CDN had "JSON minification" switched on for the whole '
                "staging zone. We turned it off for /hooks/* and the last 200 deliveries all "
                "verified.\n\nOne more question: should we always verify against the raw body, "
                "even when the framework has already parsed the JSON for us?",
            ),
            Step(
                "note",
                27,
                'Point him to "Verify webhook signatures": the Express and Django snippets '
                "read the raw body. Then solve.",
            ),
        ],
    ),
    Story(
        key="s3-export-iam",
        requester="member-end-user",
        product="atlas",
        subject="Scheduled S3 export stopped after we rotated the IAM role",
        description=(
            'Our nightly "Regional sales" export to s3://lakeside-reporting/atlas/ has '
            "failed three nights in a row with AccessDenied. We rotated the IAM role on Friday "
            "following our security policy and updated the role ARN in Atlas.\n\n"
            "Finance needs the file for the Monday board pack."
        ),
        priority=H,
        categories=("data",),
        hours_ago=3,
    ),
    Story(
        key="invoice-prefix",
        requester="community-5",
        product="ledger",
        subject="Can we change the invoice number prefix in the middle of the year?",
        description=(
            'We are renaming the company from "Tanaka Design" to "Studio Tanaka" on 1 July '
            "and our accountant wants invoice numbers to start with ST- instead of TD- from "
            "then on. Will changing the prefix restart the sequence, or break anything for "
            "invoices we already sent?"
        ),
        priority=P,
        categories=("how-to", "billing"),
        hours_ago=7,
    ),
    Story(
        key="share-links",
        requester="member-partner",
        product="atlas",
        subject="Share links for a client dashboard expire after 24 hours",
        description=(
            "I run Atlas for a client, Fjordline Logistics, as their reseller. Their operations "
            "manager opens the weekly KPI dashboard from a secure link we send every Monday, "
            "but by Tuesday the link says it has expired. Can links last the whole week?"
        ),
        priority=N,
        categories=("how-to",),
        hours_ago=5 * 24,
        steps=[
            Step(
                "note",
                1,
                'Tenant "fjordline" is on the Team plan: secure links are capped at 24 h. '
                "Business allows up to 30 days. Reseller pricing applies — loop in the partner "
                "manager if they want to upgrade.",
            ),
            Step(
                "agent",
                2,
                "Hello Tomasz,\n\non the Team plan, secure links are valid for 24 hours at "
                "most; that is the limit you are running into. There are two ways to give the "
                "operations manager a week:\n\n1. Invite them as a Viewer. Viewers are free on "
                "every plan, and the dashboard is always there after they sign in.\n2. Move the "
                "workspace to the Business plan, where links can last up to 30 days.\n\nWhich "
                "would suit your client better? If it is the upgrade, I will ask your partner "
                "manager to prepare a quote with your reseller pricing.\n\nSam",
                value="pending",
            ),
        ],
    ),
    Story(
        key="sms-segments",
        requester="member-administrator",
        product="relay",
        subject="SMS to UK numbers billed as three segments",
        description=(
            "Our appointment reminder is 148 characters long, but every message to +44 "
            "numbers shows 3 segments on the invoice. We expected one. Example message ID: "
            "msg_7Q2L0P."
        ),
        priority=P,
        categories=("billing",),
        hours_ago=4 * 24,
        searched="sms segments",
        steps=[
            Step(
                "agent",
                4,
                "Hello Priya,\n\nthe reminder contains a typographic apostrophe (’) in "
                '"we’ll". That character is not in the GSM-7 alphabet, so the whole message '
                "is sent as UCS-2, where a segment holds 70 characters instead of 160: 148 "
                "characters become 3 segments.\n\nReplace ’ with a straight apostrophe (') in "
                "the template and the reminder fits in one segment again. The template preview "
                "in Relay shows the encoding and the segment count under the text box.\n\nSam",
                value="solved",
            ),
            Step(
                "customer",
                5,
                "That was it: a curly apostrophe copied from our style guide. Thank you!",
            ),
            Step("status", 6, value="solved"),
            Step(
                "note",
                6,
                'Third UCS-2 question this month. Worth a knowledge-base article: "Why is my '
                'SMS billed as several segments?"',
            ),
        ],
    ),
    Story(
        key="bulk-resets-429",
        requester="member-developer",
        product="relay",
        subject="429 Too Many Requests when sending password resets in bulk",
        description=(
            "We migrated 40,000 users and sent their password reset emails from a script. "
            "After a few seconds every call to POST /v2/messages returned 429, and some users "
            "never got their email. We are on the Team plan."
        ),
        priority=U,
        categories=("integration",),
        hours_ago=20 * 24,
        steps=[
            Step("priority", 1, value=H),
            Step(
                "note",
                1,
                "Not an outage: their script exceeds the Team plan's 50 sends per second. "
                "Lowered to High.",
            ),
            Step(
                "agent",
                2,
                "Hi Diego,\n\nthe Team plan allows 50 sends per second per API key; above "
                "that, the API answers 429 with a Retry-After header. Messages refused with "
                "429 were never queued, which is why some users got nothing.\n\nFor a one-off "
                "like this, the batch endpoint (POST /v2/messages/batch, up to 500 recipients "
                "per call) is the better tool: we queue the messages and pace them for you. To "
                'find the users who missed out, filter the delivery log by status "rejected" '
                "and the time of your script.\n\nSam",
                value="pending",
            ),
            Step(
                "customer",
                24,
                "The batch endpoint did the job: all 40k are through. Thanks for the log "
                "filter tip.",
            ),
            Step("status", 25, value="solved"),
            Step("close", 72, by="member-developer"),
        ],
    ),
    Story(
        key="monday-export",
        requester="member-end-user",
        product="atlas",
        subject="Monday export arrives on Sunday evening",
        description=(
            "The weekly export is scheduled for Monday 07:00, but our team in Auckland gets it "
            "on Sunday at 19:00. It was right until the daylight saving change."
        ),
        priority=N,
        categories=("data",),
        hours_ago=30 * 24,
        searched="export wrong day",
        steps=[
            Step(
                "agent",
                6,
                "Hello Mei,\n\nschedules run in the workspace time zone, and your workspace "
                "is still set to UTC, so 07:00 UTC is 19:00 on Sunday in Auckland now that "
                "daylight saving has ended. Under Settings → Workspace → Time zone, choose "
                "Pacific/Auckland: your schedules then keep their local time, through every "
                "daylight saving change.\n\nSam",
                value="solved",
            ),
            Step("close", 50, by="member-end-user"),
        ],
    ),
    Story(
        key="duplicate-invoices",
        requester="community-2",
        product="ledger",
        subject="Duplicate invoices after an API timeout",
        description=(
            "Our checkout calls POST /v2/invoices. When it timed out yesterday, our retry "
            "created a second invoice and two customers were charged twice. We refunded them "
            "by hand. How do we stop this from happening again?"
        ),
        priority=U,
        categories=("billing", "integration"),
        hours_ago=16 * 24,
        steps=[
            Step("priority", 1, value=H),
            Step(
                "note",
                1,
                "Not an incident: client-side retries without an idempotency key. Lowered to High.",
            ),
            Step(
                "agent",
                2,
                "Hello Kwame,\n\nI am sorry about the double charges. The API accepts an "
                "Idempotency-Key header on every POST: send a unique value per checkout (your "
                "order ID works well) and a retry with the same key returns the original "
                "invoice instead of creating a new one, for 24 hours. Your retries on timeouts "
                "are then safe.\n\nSam",
                value="pending",
            ),
            Step(
                "customer",
                22,
                "Deployed with the order ID as the key and tested with a forced timeout: one "
                "invoice. Great.",
            ),
            Step("status", 24, value="solved"),
        ],
    ),
    Story(
        key="queued-emails",
        requester="member-administrator",
        product="relay",
        subject="No emails delivered since 09:40 — everything stuck in queued",
        description=(
            "Since 09:40 CET none of our transactional emails have been delivered: the "
            'delivery log shows them all as "queued". Password resets and order '
            "confirmations are affected. Our API calls succeed (202).\n\nThis is hurting our "
            "customers right now."
        ),
        priority=U,
        categories=("bug",),
        hours_ago=0.8,
        steps=[
            Step(
                "note",
                0.1,
                "Matches incident INC-2291: a stuck sending pool in eu-west since 09:38. "
                "Engineering is failing over; the status page is updated.",
            ),
            Step(
                "agent",
                0.2,
                "Hello Priya,\n\nthank you for telling us so quickly. We see the same: one of "
                "our EU sending pools stopped at 09:38 CET. Your messages are queued safely and "
                "none are lost. Engineering is moving traffic to a healthy pool now, and the "
                "queued messages go out in order as soon as that is done.\n\nYou can follow "
                "progress at https://status.tessellate.example, and I will update you here."
                "\n\nSam",
                value="open",
            ),
        ],
    ),
    Story(
        key="partner-discount",
        requester="member-partner",
        product="ledger",
        subject="Partner invoice shows list price instead of the reseller discount",
        description=(
            "The March invoice for our own subscription (partner account CR-2231) charges "
            "list price for the 12 Atlas seats we resell. Our partner agreement gives us 30% "
            "off. Could you correct it?"
        ),
        priority=N,
        categories=("billing",),
        hours_ago=2 * 24,
        steps=[
            Step("assign", 1, value="admin", by="admin"),
            Step(
                "note",
                2,
                "Billing: the discount is missing because the seats were added on the "
                "self-serve plan page, not through the partner portal. Needs a credit note — "
                "passing to Sam.",
                by="admin",
            ),
            Step("assign", 3, value="agent", by="admin"),
            Step(
                "agent",
                4,
                "Hello Tomasz,\n\nthank you for spotting this. The 12 seats were added on the "
                "regular plan page, which does not know about your partner agreement, so the "
                "discount was missing. I have asked our billing team for a credit note for the "
                "difference (30% of the seat price), and to move the seats under your partner "
                "contract so the next invoice is right.\n\nI will post the credit note here as "
                "soon as it is ready, within two business days.\n\nSam",
                value="open",
            ),
        ],
    ),
]

FORUM_MESSAGE = (
    "Hello {name},\n\nnobody in the community has answered your question yet, so our support "
    "team is taking it from here. We are looking into it and will reply in this request; you "
    "can add details or files here at any time.\n\nSam"
)

# Problems people describe in "Contact support", with the answer an agent gives when one
# ends as a ticket. (product, subject, description, resolution)
PROBLEMS = [
    (
        "ledger",
        "CSV import fails with unexpected separator",
        "Our export from the old billing system uses semicolons and the invoice import "
        'says "unexpected separator on line 1".',
        'Ledger expects commas by default. Choose "Semicolon" under Import → File options, '
        "or save the file as comma-separated; the template on the import page shows the "
        "columns it expects.",
    ),
    (
        "ledger",
        "Dunning retries never run for failed card payments",
        "Invoices with failed card payments stay past due and no retry happens, although "
        "dunning is switched on.",
        "Retries only run for invoices finalized after dunning was switched on. Older invoices "
        'need "Retry now" once; I retried the three open ones for you.',
    ),
    (
        "ledger",
        "Automatic tax not charging customers in Texas",
        "Since we enabled automatic tax, invoices for our Texas customers show no sales tax.",
        "Automatic tax only charges where you have a registration. Add your Texas registration "
        "under Tax → Registrations and new invoices include the tax.",
    ),
    (
        "relay",
        "Sender not verified although the domain is verified",
        'Sending from billing@ fails with "sender not verified" but the domain shows as verified.',
        "Domain verification covers DKIM; each sender address still needs its own confirmation, "
        'or switch on "Allow any address on verified domains" under Sending → Senders.',
    ),
    (
        "relay",
        "Relay disabled our webhook endpoint over the weekend",
        "Our endpoint was disabled on Saturday and we only noticed on Monday; we missed two days "
        "of events.",
        "Endpoints are disabled after three days of failed deliveries. Re-enable it under "
        "Webhooks and use Replay for the missed period; add an alert address so you hear about "
        "failures sooner.",
    ),
    (
        "relay",
        "Delivered emails go to Gmail spam",
        "Our order confirmations show as delivered, but Gmail users find them in spam.",
        "Your domain has no DMARC record and the From domain does not align with DKIM. Add the "
        "DMARC record shown under Sending → Domains; Gmail placement usually recovers within "
        "days.",
    ),
    (
        "atlas",
        "Dashboard shows last week's numbers",
        "The revenue dashboard still shows last week although the data source synced this morning.",
        'Tiles are cached for 12 hours on the Team plan. Use "Refresh now", or lower the cache '
        "time under Dashboard settings.",
    ),
    (
        "atlas",
        "Connection to RDS PostgreSQL times out",
        "Connecting Atlas to our RDS PostgreSQL instance times out after 30 seconds.",
        "The RDS security group does not allow Atlas's addresses. Add the three IPs listed under "
        "Data sources → Network to the inbound rules for port 5432.",
    ),
    (
        "atlas",
        "Table tile only shows 5000 rows",
        "Our orders table stops at 5,000 rows; the auditor needs all 12,000.",
        "Table tiles display at most 5,000 rows. Export → CSV on the tile gives every row, and "
        "a scheduled export can deliver it every week.",
    ),
    (
        "relay",
        "Webhook signature never matches in Express",
        "Every webhook fails signature verification in our Express app, even in test mode.",
        "express.json() parses the body before you verify it. Use express.raw() on the webhook "
        "route and verify the raw bytes, as in the example in the signature article.",
    ),
    (
        "ledger",
        "Invoice numbers restarted in January",
        "The first invoice of the year got number 0001 and our accountant is worried about gaps "
        "and duplicates.",
        "The sequence was set to reset yearly, and the year is part of the number, so there are "
        "no duplicates. Switch to a continuous sequence under Invoices → Numbering if you "
        "prefer.",
    ),
    (
        "atlas",
        "S3 export fails with AccessDenied",
        "The scheduled export to our bucket fails with AccessDenied since yesterday.",
        "The bucket policy no longer trusts the Atlas role. Add s3:PutObject for the role ARN "
        "shown under Destinations → S3, then run the export again.",
    ),
]

SHORT_QUERIES = {
    "CSV import fails with unexpected separator": "csv import separator",
    "Relay disabled our webhook endpoint over the weekend": "webhook endpoint disabled",
    "Dashboard shows last week's numbers": "dashboard old data",
    "Webhook signature never matches in Express": "webhook signature",
}


def steps_count() -> int:
    """How many progress steps ``load_tickets_demo`` reports (one per story)."""
    return len(STORIES) + HISTORY_FLOWS + 1


def _flow_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, name)


class _Loader:
    def __init__(self, users: Mapping, progress: Callable[..., None] | None):
        self.users = users
        self.progress = progress or (lambda n=1: None)
        self.now = timezone.now()
        self.products = {s.slug: s for s in Segment.objects.filter(kind=Segment.Kind.PRODUCT)}
        self.cache: dict = {}
        self.counts = {"tickets": 0, "flows": 0, "messages": 0, "skipped": 0}

    def user(self, key):
        return self.users[key] if key else None

    def suggestions(self, text, user, product):
        from segments import policy

        signature = (text, product, tuple(policy.access_terms(user) or ("*",)))
        if signature not in self.cache:
            self.cache[signature] = suggest_answers(text, user, product=product, limit=5)
        return self.cache[signature]

    # --- one support flow up to its outcome --------------------------------------------

    def flow(self, name, user, product_slug, subject, description, at, *, searched=""):
        flow_id = _flow_id(name)
        if SupportFlow.objects.filter(pk=flow_id).exists():
            return None
        product = self.products.get(product_slug)
        # A deterministic id, so a second load finds the flow.
        flow = services.start_flow(user, product=product, flow_id=flow_id, at=at)
        if searched:
            services.record_suggestions(
                flow, searched, [], source=FlowQuery.Source.SITE_SEARCH, at=at
            )
        short = SHORT_QUERIES.get(subject)
        if short:
            services.record_suggestions(
                flow,
                short,
                self.suggestions(short, user, product_slug),
                at=at + timedelta(seconds=20),
            )
        text = f"{subject} {description}"
        shown = self.suggestions(text, user, product_slug)
        services.touch_flow(flow, product=product, subject=subject, at=at)
        services.record_suggestions(flow, text, shown, at=at + timedelta(seconds=50))
        self.counts["flows"] += 1
        return flow, shown

    # --- the curated tickets -----------------------------------------------------------

    def story(self, story: Story) -> None:
        requester = self.user(story.requester)
        if Ticket.objects.filter(requester=requester, subject=story.subject).exists():
            self.counts["skipped"] += 1
            return
        filed_at = self.now - timedelta(hours=story.hours_ago)
        started = filed_at - timedelta(minutes=6)
        made = self.flow(
            f"story:{story.key}",
            requester,
            story.product,
            story.subject,
            story.description,
            started,
            searched=story.searched,
        )
        flow = None
        if made:
            flow, shown = made
            if shown:
                services.record_opened(flow, shown[0].key, at=started + timedelta(minutes=2))
        files = []
        if story.attachment:
            name, text = story.attachment
            files = [SimpleUploadedFile(name, text.encode(), content_type="text/plain")]
        ticket = services.file_ticket(
            requester,
            product=self.products[story.product],
            subject=story.subject,
            description=story.description,
            priority=story.priority,
            categories=story.categories,
            files=files,
            flow=flow,
            enforce_limits=False,
            notify=False,
            at=filed_at,
            language=story.language or None,
        )
        self.counts["tickets"] += 1
        for step in story.steps:
            self.step(ticket, story, step, filed_at + timedelta(hours=step.hours))

    def step(self, ticket, story, step: Step, at) -> None:
        actor = self.user(step.by)
        requester = self.user(story.requester)
        ticket.refresh_from_db()
        if step.kind == "agent":
            services.reply_as_agent(
                ticket, actor, step.body, status=step.value, notify=False, at=at
            )
            self.counts["messages"] += 1
        elif step.kind == "customer":
            services.reply_as_customer(ticket, requester, step.body, notify=False, at=at)
            self.counts["messages"] += 1
        elif step.kind == "note":
            services.add_internal_note(ticket, actor, step.body, at=at)
            self.counts["messages"] += 1
        elif step.kind == "status":
            services.change_status(ticket, actor, step.value, notify=False, at=at)
        elif step.kind == "priority":
            services.change_priority(ticket, actor, step.value, at=at)
        elif step.kind == "assign":
            services.assign(ticket, actor, self.user(step.value), at=at)
        elif step.kind == "close":
            services.close_by_customer(ticket, actor, at=at)
        else:  # pragma: no cover - a mistake in the stories above
            raise ValueError(step.kind)

    def forum_ticket(self) -> None:
        if Ticket.objects.filter(source=Ticket.Source.FORUM).exists():
            self.counts["skipped"] += 1
            return
        # The oldest question the agents' "Unanswered questions" list would offer.
        # In English, as the agent's message is.
        question = (
            services.unanswered_questions()
            .filter(restricted=False, author__is_staff=False, language="en")
            .first()
        )
        if question is None or question.author is None:
            return
        services.ticket_from_question(
            question,
            self.user("agent"),
            message=FORUM_MESSAGE.format(name=question.author.public_name),
            notify=False,
            at=self.now - timedelta(hours=20),
        )
        self.counts["tickets"] += 1

    # --- twelve weeks of flows ---------------------------------------------------------

    def history_start(self, index: int):
        """When history flow ``index`` started: later weeks have a little more traffic."""
        offset = HISTORY_DAYS * (1 - (index / HISTORY_FLOWS) ** 0.85)
        jitter = random.Random(f"portico-demo-history-time-{index}").uniform(0, 10)
        return self.now - timedelta(days=offset, hours=jitter)

    def history(self, index: int, people: list) -> None:
        rng = random.Random(f"portico-demo-history-{index}")
        at = self.history_start(index)
        # Later weeks have better answers (the knowledge base grows).
        week = (at - (self.now - timedelta(days=HISTORY_DAYS))).days / 7
        product, subject, description, resolution = rng.choice(PROBLEMS)
        person = rng.choice(people)
        user = self.user(person)
        made = self.flow(f"history:{index}", user, product, subject, description, at)
        if made is None:
            self.counts["skipped"] += 1
            return
        flow, shown = made
        if shown and rng.random() < 0.6 + 0.02 * week:
            opened = shown[0] if rng.random() < 0.7 or len(shown) == 1 else shown[1]
            services.record_opened(flow, opened.key, at=at + timedelta(minutes=2))
            if rng.random() < 0.3 + 0.04 * week:
                services.record_solved(flow, opened.key, at=at + timedelta(minutes=6))
                return
        if user is None or rng.random() > 0.55:
            return  # left without a ticket (or could not sign in)
        filed_at = at + HISTORY_FILING_DELAY
        ticket = services.file_ticket(
            user,
            product=self.products[product],
            subject=subject,
            description=description,
            priority=rng.choice([P, N, N, N, H]),
            categories=(),
            flow=flow,
            enforce_limits=False,
            notify=False,
            at=filed_at,
        )
        self.counts["tickets"] += 1
        if filed_at > self.now - timedelta(hours=30):
            return  # recent: still waiting in the queue
        agent = self.user("agent")
        replied = filed_at + timedelta(hours=rng.uniform(1, 20))
        greeting = f"Hello {user.public_name.split()[0]},\n\n"
        services.reply_as_agent(
            ticket,
            agent,
            greeting + resolution + "\n\nSam",
            status=Ticket.Status.SOLVED,
            notify=False,
            at=min(replied, self.now),
        )
        if rng.random() < 0.4 and replied + timedelta(hours=30) < self.now:
            services.close_by_customer(ticket, user, at=replied + timedelta(hours=30))

    def run(self) -> dict:
        stories = sorted(STORIES, key=lambda story: -story.hours_ago)
        history_people = [
            "",
            "",
            "",
            "member-administrator",
            "member-developer",
            "member-end-user",
            "member-partner",
            *[f"community-{n}" for n in range(1, 13)],
        ]
        # Stories and history interleaved by filing time, so ticket numbers follow it.
        plan = [(self.now - timedelta(hours=s.hours_ago), "story", s) for s in stories]
        for index in range(HISTORY_FLOWS):
            plan.append((self.history_start(index) + HISTORY_FILING_DELAY, "history", index))
        plan.sort(key=lambda item: item[0])
        for _when, kind, item in plan:
            with transaction.atomic():
                if kind == "story":
                    self.story(item)
                else:
                    self.history(item, history_people)
            self.progress()
        with transaction.atomic():
            self.forum_ticket()
        self.progress()
        services.close_solved_tickets(now=self.now)
        return self.counts


PRIORITIES = {"low": P, "normal": N, "high": H, "urgent": U}
_STEP = re.compile(r"^=== (ticket|customer|agent|note)\b(.*)$")


def read_tickets(path: Path, language: str) -> list[Story]:
    """The tickets of one language's ``tickets.md`` (its format is documented at the top
    of the file: everything above the first ``=== ticket`` line)."""
    stories: list[Story] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    sections: list[tuple[str, dict, list[str]]] = []
    for line in lines:
        match = _STEP.match(line)
        if match:
            options = dict(part.split("=", 1) for part in match.group(2).split() if "=" in part)
            sections.append((match.group(1), options, []))
        elif sections:
            sections[-1][2].append(line)
    for kind, options, body in sections:
        if kind == "ticket":
            header: dict[str, str] = {}
            while body and body[0].strip():
                name, _, value = body.pop(0).partition(":")
                header[name.strip()] = value.strip()
            stories.append(
                Story(
                    key=options["key"],
                    requester=header["requester"],
                    product=header["product"],
                    subject=header["subject"],
                    description="\n".join(body).strip(),
                    priority=PRIORITIES[header["priority"]],
                    categories=tuple(
                        c.strip() for c in header.get("categories", "").split(",") if c.strip()
                    ),
                    hours_ago=float(header["hours_ago"]),
                    searched=header.get("searched", ""),
                    language=language,
                )
            )
        elif stories:
            stories[-1].steps.append(
                Step(
                    kind,
                    float(options.get("hours", 0)),
                    body="\n".join(body).strip(),
                    value=options.get("status"),
                    by="agent",
                )
            )
    return stories


def load_language_tickets(
    users: Mapping,
    path: Path,
    language: str,
    progress: Callable[..., None] | None = None,
) -> dict:
    """The support tickets written in one more language (``demo/content/<code>/tickets.md``)."""
    loader = _Loader(users, progress)
    for story in sorted(read_tickets(path, language), key=lambda story: -story.hours_ago):
        with transaction.atomic():
            loader.story(story)
        loader.progress()
    return loader.counts


def load_tickets_demo(users: Mapping, progress: Callable[..., None] | None = None) -> dict:
    """Create the demo support history that does not exist yet; returns counts."""
    return _Loader(users, progress).run()
