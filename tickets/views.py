"""The support pages under ``/support/``: "Contact support" (answers first, ticket last) and
the customer's own tickets.

Suggestions come only from ``tickets.deflection.suggest_answers``; every write goes through
``tickets.services``. Customers reach only their own tickets (404 for anyone else's), and
nothing here ever reads an internal note for a customer.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import wants_json
from core.ratelimit import rate_limited
from core.sendfile import sendfile
from core.submissions import Submission
from search.answers import DirectAnswer, read_token
from segments.models import Segment

from . import conf, services
from . import flow as flows
from .deflection import suggest_with_answer
from .errors import NotAllowed, RateLimited, TicketError
from .forms import DescribeForm, RatingForm, ReplyForm, TicketForm
from .models import OPEN_STATUSES, SatisfactionRating, Ticket, TicketAttachment, TicketMessage
from .permissions import can_view_tickets

DONE_KEY = "support_solved_with"
FILED_KEY = "support_just_filed"
LAST_CHANCE = 3


def _product(slug: str) -> Segment | None:
    if not slug:
        return None
    return Segment.objects.filter(kind=Segment.Kind.PRODUCT, slug=slug).first()


def _suggestions_for(
    request, flow, text: str, product_slug: str = "", limit=None, *, direct: bool = True
) -> tuple[list, DirectAnswer | None]:
    """Suggestions for ``text``, recorded in ``flow`` (what was typed, what was shown), and
    the direct answer taken from them (``direct``)."""
    limit = limit or conf.get("TICKETS_SUGGESTIONS_LIMIT")
    suggestions, answer = suggest_with_answer(
        text, request.user, product=product_slug or None, limit=limit, direct=direct
    )
    services.record_suggestions(flow, text, suggestions)
    return suggestions, answer


def _direct_answer_context(answer: DirectAnswer | None) -> dict:
    return {
        "answer": answer,
        "answer_token": answer.token("support") if answer else "",
        "answer_back": reverse("support:new"),
    }


def _draft_text(draft: dict) -> str:
    return f"{draft['subject']} {draft['description']}".strip()


def _status_message(count: int) -> str:
    if not count:
        return _("No suggested answers for this description yet.")
    return ngettext(
        "%(count)s suggested answer below.", "%(count)s suggested answers below.", count
    ) % {"count": count}


# --- Step 1: describe the problem, see answers ----------------------------------------


@require_http_methods(["GET", "POST"])
def new(request):
    draft = flows.load_draft(request)
    suggestions: list = []
    answer = None
    searched = False
    searched_query = ""
    if request.method == "POST":
        searched_query = " ".join(request.POST.get("searched", "").split())[:200]
        action = request.POST.get("action")
        data = {key: request.POST.get(key, "") for key in ("product", "subject", "description")}
        page_url = flows.clean_page_url(request.POST.get("page_url")) or None
        flows.save_draft(request, **data, page_url=page_url)
        # The search that led here (kept in the page, not in a session, until now).
        flows.remember_search(request, request.POST.get("searched", ""))
        if action == "continue":
            form = DescribeForm(request.POST)
            if form.is_valid():
                flow = flows.flow_for(request, product=form.cleaned_data["product"])
                services.touch_flow(
                    flow,
                    product=form.cleaned_data["product"],
                    subject=form.cleaned_data["subject"],
                    page_url=flows.load_draft(request)["page_url"],
                )
                return redirect("support:details")
        else:
            # Looking for answers needs nothing filled in: show what was typed, no errors.
            form = DescribeForm(initial=data)
        text = f"{data['subject']} {data['description']}".strip()
        if len(text) >= 3:
            flow = flows.flow_for(request, product=_product(data["product"]))
            services.touch_flow(flow, product=_product(data["product"]), subject=data["subject"])
            suggestions, answer = _suggestions_for(request, flow, text, data["product"])
            searched = True
        status = 400 if action == "continue" else 200
    else:
        query = searched_query = " ".join((request.GET.get("q") or "").split())[:200]
        # Reading the page starts no session: the search is remembered with the draft.
        flows.remember_search(request, query)
        if query and not draft["subject"]:
            draft["subject"] = query
        form = DescribeForm(initial=draft)
        status = 200
        page_url = flows.clean_page_url(request.GET.get("from")) or draft["page_url"]
        text = _draft_text(draft)
        if len(text) >= 3 and flows.has_draft(request):
            flow = flows.flow_for(request, product=_product(draft["product"]))
            suggestions, answer = _suggestions_for(request, flow, text, draft["product"])
            searched = True
    return render(
        request,
        "tickets/new.html",
        {
            "form": form,
            "suggestions": suggestions,
            "searched": searched,
            "searched_query": searched_query,
            "status_message": _status_message(len(suggestions)) if searched else "",
            "page_url": page_url or flows.load_draft(request)["page_url"],
            **_direct_answer_context(answer),
        },
        status=status,
    )


@require_POST
@rate_limited("support_suggest")
def suggest(request):
    """JSON for the step-1 script: saves the draft, returns (and records) suggestions."""
    fields = ("product", "subject", "description")
    data = {key: request.POST.get(key, "")[:20_000] for key in fields}
    page_url = flows.clean_page_url(request.POST.get("page_url")) or None
    flows.save_draft(request, **data, page_url=page_url)
    flows.remember_search(request, request.POST.get("searched", ""))
    text = f"{data['subject']} {data['description']}".strip()
    results: list = []
    answer = None
    if len(text) >= 3:
        product = _product(data["product"])
        flow = flows.flow_for(request, product=product)
        services.touch_flow(flow, product=product, subject=data["subject"])
        results, answer = _suggestions_for(request, flow, text, data["product"])
    response = JsonResponse(
        {
            "results": [
                {
                    "key": item.key,
                    "kind": item.kind,
                    "title": item.title,
                    "passage": item.passage,
                    "solved": item.solved,
                    "url": reverse("support:open", kwargs={"key": item.key}),
                }
                for item in results
            ],
            "message": _status_message(len(results)) if len(text) >= 3 else "",
            "direct_answer": answer.as_api() if answer else None,
            "direct_answer_html": render_to_string(
                "components/direct_answer.html", _direct_answer_context(answer), request=request
            ),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def open_suggestion(request, key: str):
    """A suggestion's link: records "opened", then goes to the article or question."""
    flow = flows.current_flow(request)
    suggestion = services.record_opened(flow, key) if flow else None
    if suggestion is None or not url_has_allowed_host_and_scheme(
        suggestion.url, allowed_hosts={request.get_host()}
    ):
        return redirect("support:new")
    return redirect(suggestion.url)


@require_POST
def solved(request):
    """ "This solved my problem": the flow ends here, and we say thank you."""
    flow = flows.current_flow(request)
    key = request.POST.get("key", "")
    if flow is None:
        messages.info(request, _("That request was already finished. Thank you!"))
        return redirect("support:new")
    try:
        suggestion = services.record_solved(flow, key)
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("support:new")
    flows.end_flow(request)
    request.session[DONE_KEY] = {"title": suggestion.title, "url": suggestion.url}
    return redirect("support:done")


@require_POST
@rate_limited("answer_feedback")
def answer_feedback(request):
    """ "Did this answer your question?" on a direct answer, on the search page or in
    Contact support (with and without JavaScript).

    The form's signed token says which answer was shown where, so anonymous visitors need
    no session and none is written — but for a "yes" in Contact support, which ends the
    person's flow (it is in their session already) solved by the answer's source."""
    shown = read_token(request.POST.get("token", ""))
    helpful = request.POST.get("helpful", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if shown is None or helpful not in ("yes", "no"):
        message = _("This answer can no longer be rated. Search again to rate it.")
        if wants_json(request):
            return JsonResponse({"error": message}, status=400)
        context = {"message": message, "back": back}
        return render(request, "tickets/answer_feedback.html", context, status=400)
    flow = flows.current_flow(request) if shown.surface == "support" else None
    try:
        _feedback, solved = services.record_direct_answer(shown, helpful == "yes", flow=flow)
    except TicketError as error:
        if wants_json(request):
            return JsonResponse({"error": error.message}, status=400)
        context = {"message": error.message, "back": back}
        return render(request, "tickets/answer_feedback.html", context, status=400)
    if solved:
        flows.end_flow(request)
        request.session[DONE_KEY] = {"title": shown.title, "url": shown.url}
        if wants_json(request):
            return JsonResponse({"message": "", "redirect": reverse("support:done")})
        return redirect("support:done")
    if helpful == "yes":
        message = _("Thank you! We are glad it answered your question.")
    else:
        message = _("Thank you for telling us. The results below may help.")
    if wants_json(request):
        return JsonResponse({"message": message})
    return render(request, "tickets/answer_feedback.html", {"message": message, "back": back})


@require_GET
def done(request):
    solved_with = request.session.pop(DONE_KEY, None)
    if not solved_with:
        return redirect("support:new")
    return render(request, "tickets/done.html", {"solved_with": solved_with})


@require_POST
def restart(request):
    flows.end_flow(request)
    messages.info(request, _("Your description is cleared. Start again whenever you like."))
    return redirect("support:new")


# --- Step 2: the request itself ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def details(request):
    # The same request sent twice (a double click, a reload) files one ticket: a copy
    # that comes after the first was filed goes to it (the draft is gone by then).
    submission = Submission(request, "support-ticket")
    if (repeat := submission.repeat_response(fallback=reverse("support:tickets"))) is not None:
        return repeat
    with submission:
        return _details(request, submission)


def _details(request, submission):
    if not flows.has_draft(request):
        messages.info(
            request,
            _("Tell us what you need help with first: we look for answers while you type."),
        )
        return redirect("support:new")
    draft = flows.load_draft(request)
    if not request.user.is_authenticated:
        return render(request, "tickets/sign_in.html", {"draft": draft, "next": request.path})
    flow = flows.flow_for(request, product=_product(draft["product"]))
    status = 200
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES)
        flows.save_draft(
            request,
            product=request.POST.get("product", ""),
            subject=request.POST.get("subject", ""),
            description=request.POST.get("description", ""),
        )
        if draft["page_url"] and flow.page_url != draft["page_url"]:
            services.touch_flow(flow, page_url=draft["page_url"])
        response, status = _file_from(request, form, flow, submission)
        if response is not None:
            return response
    else:
        form = TicketForm(initial={**draft, "priority": Ticket.Priority.NORMAL})
    # The best few once more, beside the form: a last chance not to wait for us.
    suggestions, _answer = _suggestions_for(
        request, flow, _draft_text(draft), draft["product"], limit=LAST_CHANCE, direct=False
    )
    return render(
        request,
        "tickets/details.html",
        {"form": form, "suggestions": suggestions, "draft": draft},
        status=status,
    )


def _file_from(request, form, flow, submission):
    """File the ticket described by ``form``: ``(redirect, 200)``, or ``(None, status)``
    when the form has errors."""
    if not form.is_valid():
        return None, 400
    data = form.cleaned_data
    try:
        ticket = services.file_ticket(
            request.user,
            product=data["product"],
            subject=data["subject"],
            description=data["description"],
            priority=data["priority"],
            categories=data.get("categories") or (),
            files=data["attachments"],
            flow=flow,
            language=data.get("language") or None,
        )
    except TicketError as error:
        form.add_error(None, error.message)
        return None, 429 if isinstance(error, RateLimited) else 400
    submission.succeeded(ticket.get_absolute_url())
    flows.end_flow(request)
    request.session[FILED_KEY] = ticket.number
    messages.success(
        request,
        _("Your request %(ref)s is sent. We emailed you a copy and will answer here and by email.")
        % {"ref": ticket.reference},
    )
    return redirect(ticket.get_absolute_url()), 200


# --- My tickets -------------------------------------------------------------------------


def _my_ticket(request, number: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.of(request.user).select_related("product", "assignee", "question"),
        number=number,
    )


@login_required
@require_GET
def ticket_list(request):
    tickets = (
        Ticket.objects.of(request.user)
        .select_related("product")
        .order_by("-last_activity_at", "-pk")
    )
    show = request.GET.get("show")
    if show == "open":
        tickets = tickets.unresolved()
    elif show == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    else:
        show = None
    page_obj = Paginator(tickets, conf.get("TICKETS_PER_PAGE")).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "page_obj": page_obj,
            "tickets": page_obj.object_list,
            "show": show,
            "filters": [(None, _("All")), ("open", _("Open")), ("closed", _("Solved and closed"))],
        },
    )


def _conversation(ticket: Ticket):
    """Public messages only, with their files: what the customer may read."""
    public_files = TicketAttachment.objects.order_by("created_at", "pk")
    return list(
        TicketMessage.objects.filter(ticket=ticket, is_internal=False)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=public_files))
        .order_by("created_at", "pk")
    )


def _rating_context(ticket: Ticket, rating_form=None) -> dict:
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    if rating_form is None and rating is not None:
        rating_form = RatingForm(initial={"score": rating.score, "comment": rating.comment})
    return {
        "rating": rating,
        "rating_locked": rating is not None and rating.is_locked(),
        "rating_form": rating_form or RatingForm(),
    }


def _render_ticket(request, ticket: Ticket, *, form=None, rating_form=None, status=200):
    from forum.visibility import can_view_question

    question = ticket.question
    if question is not None and not can_view_question(question, request.user):
        question = None
    categories = dict(conf.categories())
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "conversation": _conversation(ticket),
            "files": list(ticket.attachments.filter(message=None).order_by("created_at", "pk")),
            "categories": [
                categories[tag.name] for tag in ticket.tags.all() if tag.name in categories
            ],
            "question": question,
            "form": form or ReplyForm(),
            "just_filed": request.session.pop(FILED_KEY, None) == ticket.number,
            **_rating_context(ticket, rating_form),
        },
        status=status,
    )


@login_required
@require_GET
def ticket_detail(request, number: int):
    return _render_ticket(request, _my_ticket(request, number))


@login_required
@require_POST
def reply(request, number: int):
    ticket = _my_ticket(request, number)
    form = ReplyForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            services.reply_as_customer(
                ticket,
                request.user,
                form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except TicketError as error:
            form.add_error(None, error.message)
            status = 403 if isinstance(error, NotAllowed) else 400
        else:
            messages.success(request, _("Your reply is sent to the support team."))
            return redirect(f"{ticket.get_absolute_url()}#latest")
    return _render_ticket(request, ticket, form=form, status=status)


@login_required
@require_POST
def close(request, number: int):
    ticket = _my_ticket(request, number)
    if services.close_by_customer(ticket, request.user):
        messages.success(request, _("Your request is closed. Thank you!"))
    return redirect(ticket.get_absolute_url())


@login_required
@require_POST
def reopen(request, number: int):
    ticket = _my_ticket(request, number)
    if services.reopen_by_customer(ticket, request.user):
        messages.success(request, _("Your request is open again. Tell us what is still wrong."))
    return redirect(f"{ticket.get_absolute_url()}#reply")


# --- Satisfaction ---------------------------------------------------------------------


@login_required
@require_POST
def rate(request, number: int):
    """ "How did we do?" on the request's page: the requester's rating and comment."""
    ticket = _my_ticket(request, number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_ticket(
                ticket,
                request.user,
                form.cleaned_data["score"],
                form.cleaned_data["comment"],
                source=SatisfactionRating.Source.PORTAL,
            )
        except TicketError as error:
            messages.error(request, error.message)
            return redirect(f"{ticket.get_absolute_url()}#rating")
        messages.success(request, _("Thank you for rating our help."))
        return redirect(f"{ticket.get_absolute_url()}#rating")
    return _render_ticket(request, ticket, rating_form=form, status=400)


@require_http_methods(["GET", "POST"])
def rate_link(request, number: int, token: str):
    """The page a "Good" or "Bad" link of the satisfaction email opens, signed in or not.

    GET records nothing (mail scanners open every link of an email): it shows the choice
    of the link, selected, with a comment box; "Send rating" posts it (CSRF-protected)
    and the rating is the token's requester's."""
    from .satisfaction import read_token

    link = read_token(token)
    ticket = (
        Ticket.objects.select_related("requester", "product").filter(number=number).first()
        if link
        else None
    )
    if (
        link is None
        or ticket is None
        or ticket.pk != link.ticket_id
        or ticket.requester_id != link.user_id
        or ticket.requester is None
        or not ticket.requester.is_active
    ):
        return render(
            request,
            "tickets/rate_link.html",
            {"invalid": True},
            status=400 if link is None else 404,
        )
    rating = SatisfactionRating.objects.filter(ticket=ticket).first()
    context = {"ticket": ticket, "rating": rating, "done": False}
    status = 200
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating = services.rate_ticket(
                    ticket,
                    ticket.requester,
                    form.cleaned_data["score"],
                    form.cleaned_data["comment"],
                    source=SatisfactionRating.Source.EMAIL,
                )
            except TicketError as error:
                form.add_error(None, error.message)
                status = 403 if isinstance(error, NotAllowed) else 400
            else:
                context.update(rating=rating, done=True)
        else:
            status = 400
    else:
        initial = {"score": link.score}
        if rating is not None:
            initial["comment"] = rating.comment
        form = RatingForm(initial=initial)
    context.update(
        form=form,
        rating_locked=rating is not None and rating.is_locked(),
        can_rate=ticket.accepts_rating,
    )
    response = render(request, "tickets/rate_link.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


# --- Files ------------------------------------------------------------------------------


@login_required
@require_GET
def attachment(request, pk: int, name: str):
    """A ticket's file, for its requester (never a file of an internal note) and agents."""
    item = get_object_or_404(
        TicketAttachment.objects.select_related("ticket", "message"), pk=pk, name=name
    )
    user = request.user
    allowed = can_view_tickets(user) or (
        item.ticket.requester_id == user.pk and not item.is_internal
    )
    if not allowed:
        raise Http404
    try:
        path = item.file.path
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = sendfile(
        request,
        path,
        attachment=not item.is_image,
        attachment_filename=item.name,
        mimetype=item.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def index(request):
    if request.user.is_authenticated and Ticket.objects.of(request.user).exists():
        return redirect("support:tickets")
    return redirect("support:new")
