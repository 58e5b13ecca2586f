"""The community pages under ``/community/``. Reads go through ``forum.queries`` and
``forum.visibility`` (and so ``segments.policy``); every write goes through
``forum.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from taggit.models import Tag

from core import fragments, pagecache, seo
from core.http import wants_json
from core.markdown import USER_CONTENT_PREFIX, render_markdown_uncached
from core.params import parse_id
from core.ratelimit import rate_limited
from core.submissions import Submission
from search.service import index_generation
from segments import policy
from users import follows

from . import conf, diffs, permissions, queries, reputation, services, trust, visibility
from .errors import ForumError, NotAllowed, RateLimited
from .forms import AnswerForm, CommentForm, FlagForm, NotificationSettingsForm, QuestionForm
from .models import Answer, Comment, Question
from .queries import SORTS
from .services import history
from .similar import similar_content

SEEN_SESSION_KEY = "forum_seen"
SEEN_SESSION_LIMIT = 200
MAX_QUERY_LENGTH = 200


def _error_status(error: ForumError) -> int:
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, NotAllowed):
        return 403
    return 400


def _rejected(request):
    """A filled honeypot: nothing is saved, and nothing tells a bot why."""
    return render(request, "forum/rejected.html", status=400)


def _get_question(request, pk: int) -> Question:
    question = get_object_or_404(
        Question.objects.select_related("product", "author", "duplicate_of"), pk=pk
    )
    if not visibility.can_view_question(question, request.user):
        raise Http404
    return question


def _canonical(request, page_number: int = 1) -> str:
    url = request.build_absolute_uri(request.path)
    return f"{url}?page={page_number}" if page_number > 1 else url


# --- Listings -------------------------------------------------------------------------

#: Seconds a community list is kept at most (its view counts may be that old).
LIST_SECONDS = 60
#: Seconds a question's related questions and articles are kept at most.
RELATED_SECONDS = 300


@require_GET
def question_list(request, product_slug: str | None = None, tag_slug: str | None = None):
    user = request.user
    product = tag = None
    if product_slug:
        # A restricted product's forum does not exist for people not granted it.
        product = get_object_or_404(visibility.products_for(user), slug=product_slug)
    if tag_slug:
        tag = get_object_or_404(Tag, slug=tag_slug)
    questions = queries.questions_in(user, product=product, tag=tag)
    # A tag carried only by questions this person may not open does not exist for them
    # (its name alone would tell what restricted or hidden questions are about).
    if tag is not None and not questions.exists():
        raise Http404
    current_filter = request.GET.get("filter")
    if current_filter not in queries.FILTERS:
        current_filter = None
    sort = request.GET.get("sort")
    if sort not in SORTS:
        sort = "activity"

    def listing() -> tuple[str, int]:
        listed = queries.listing(questions, current_filter=current_filter, sort=sort)
        page_obj = Paginator(listed, conf.get("FORUM_QUESTIONS_PER_PAGE")).get_page(
            request.GET.get("page")
        )
        page_obj.object_list = queries.with_tags(page_obj.object_list)
        reputation.annotate(page_obj.object_list)
        html = render_to_string(
            "forum/includes/question_page.html",
            {"page_obj": page_obj, "questions": page_obj.object_list},
            request=request,
        )
        return html, page_obj.number

    # The list and its pages are the same for everyone with the same access (and the same
    # questions of their own held for review), until the forum changes; view counts on it
    # may be a minute old.
    signature = policy.access_signature(user)
    forum_generation = fragments.generation(pagecache.GENERATION_KEY)
    parts = (
        product.pk if product else "",
        tag.pk if tag else "",
        request.GET.urlencode(),
        ",".join(str(pk) for pk in queries.own_held_ids(user)),
        forum_generation,
    )
    listing_html, number = fragments.cached(
        "forum-questions", signature, parts, listing, timeout=LIST_SECONDS
    )
    popular_tags = fragments.cached(
        "forum-popular-tags",
        signature,
        (forum_generation,),
        lambda: [(t.slug, t.name) for t in queries.popular_tags(user)],
        language="",
        timeout=LIST_SECONDS,
    )
    return render(
        request,
        "forum/question_list.html",
        {
            "listing_html": listing_html,
            "product": product,
            "tag": tag,
            "current_filter": current_filter,
            "current_sort": sort,
            "sorts": [
                ("activity", _("Recent activity")),
                ("newest", _("Newest")),
                ("votes", _("Most votes")),
            ],
            "filters": [(None, _("All")), ("unanswered", _("Unanswered")), ("solved", _("Solved"))],
            "products": visibility.products_for(user),
            "popular_tags": popular_tags,
            "is_moderator": visibility.is_moderator(user),
            "following_tag": tag is not None and follows.follows_tag(user, tag),
            "canonical_url": _canonical(request, number),
        },
    )


@login_required
@require_POST
def follow_tag(request, tag_slug: str):
    """Follow (or, with ``action=unfollow``, stop following) a tag: new questions in it
    appear in the person's notifications. A tag only on questions they may not open does
    not exist for them."""
    tag = get_object_or_404(Tag, slug=tag_slug)
    if request.POST.get("action") == "unfollow":
        follows.unfollow_tag(request.user, tag)
        messages.success(request, _("You no longer follow “%(tag)s”.") % {"tag": tag.name})
    else:
        if not queries.questions_in(request.user, tag=tag).exists():
            raise Http404
        follows.follow_tag(request.user, tag)
        messages.success(
            request,
            _("You follow “%(tag)s”: new questions in it will appear in your notifications.")
            % {"tag": tag.name},
        )
    target = request.POST.get("next", "")
    if target == reverse("users:profile"):
        return redirect(target)
    return redirect("forum:tag", tag_slug=tag.slug)


@require_GET
def tag_index(request):
    tags = queries.tags_in_use(request.user).order_by("name")
    return render(
        request,
        "forum/tag_index.html",
        {"tags": tags, "canonical_url": _canonical(request)},
    )


# --- A question -----------------------------------------------------------------------


def _count_view(request, question: Question) -> None:
    """Count a view once per session and question, for everyone (anonymous visitors get a
    session too), so reloading a page or hammering it with one cookie jar neither inflates
    the count nor writes to the question each time. The session keeps the ids of the last
    ``SEEN_SESSION_LIMIT`` questions viewed; authors' own views never count."""
    user = request.user
    if user.is_authenticated and question.author_id == user.pk:
        return
    seen = request.session.get(SEEN_SESSION_KEY, [])
    if not isinstance(seen, list):
        seen = []
    if question.pk in seen:
        return
    request.session[SEEN_SESSION_KEY] = [*seen[-(SEEN_SESSION_LIMIT - 1) :], question.pk]
    services.record_view(question)
    question.view_count += 1


def _question_context(request, question: Question, **extra) -> dict:
    user = request.user
    moderator = visibility.is_moderator(user)
    answers, question_comments = queries.thread(question, user)
    queries.mark_votes(question, answers, user)
    watching = queries.is_watching(question, user)
    reputation.annotate([question, *answers])
    for post in [question, *answers]:
        post.can_edit = permissions.can_edit(post, user)
        post.can_vote = user.is_authenticated and permissions.can_vote(post, user)
    duplicate_of = question.duplicate_of
    if duplicate_of and not visibility.can_view_question(duplicate_of, user):
        duplicate_of = None
    related = fragments.cached(
        "forum-related",
        policy.access_signature(user),
        (question.pk, fragments.generation(pagecache.GENERATION_KEY), index_generation()),
        lambda: [
            item
            for item in similar_content(question.title, user, limit=6, personal=False)
            if item.url != question.get_absolute_url()
        ][:5],
        timeout=RELATED_SECONDS,
    )
    comment_form = extra.get("comment_form")
    return {
        "question": question,
        "answers": answers,
        "question_comments": question_comments,
        "is_moderator": moderator,
        "can_accept": permissions.can_accept(question, user),
        "can_answer": permissions.can_answer(question, user),
        "can_comment": permissions.can_comment(question, user),
        "participation_problem": permissions.participation_problem(user)
        if user.is_authenticated
        else None,
        "watching": watching,
        "has_revisions": bool(question.edited_at) or any(a.edited_at for a in answers),
        "duplicate_of": duplicate_of,
        "related": related,
        "answer_form": extra.get("answer_form") or AnswerForm(),
        "comment_form": comment_form,
        "comment_target": extra.get("comment_target"),
        "canonical_url": seo.absolute_url(question.get_absolute_url(), request),
        "og_title": question.title,
        "og_type": "article",
        "meta_description": seo.plain_text(question.body)[:200],
        "content_language": question.language,
        "structured_data": _structured_data(request, question, answers),
    }


def _author(request, user) -> dict:
    if user is None:
        return seo.person(_("Former member"))
    url = reverse("forum:profile", kwargs={"username": user.username}) if user.username else ""
    return seo.person(user.public_name, url, request)


def _structured_data(request, question: Question, answers: list[Answer]) -> list[dict]:
    """A ``QAPage`` and a ``BreadcrumbList`` (``core.seo``) of what every reader of the
    question sees: nothing for a hidden or held question (only moderators and its author
    open it) and no hidden or held answer; a question nobody answered yet is no QAPage."""
    url = question.get_absolute_url()
    crumbs = seo.breadcrumb_list(
        [
            (_("Home"), "/"),
            (_("Community"), reverse("forum:index")),
            (question.product.name, reverse("forum:product", args=[question.product.slug])),
            (question.title, url),
        ],
        request,
    )
    shown = [answer for answer in answers if answer.is_public]
    if not question.is_public or not shown:
        return [crumbs]  # a QAPage needs an answer (an unanswered question is no Q&A yet)

    def described(answer: Answer) -> dict:
        return seo.answer(
            text=seo.plain_text(answer.body),
            url=f"{url}#answer-{answer.pk}",  # Answer.get_absolute_url, without a query
            created=answer.created_at,
            upvotes=max(answer.score, 0),
            author=_author(request, answer.author),
            request=request,
        )

    accepted = next((described(a) for a in shown if a.is_accepted), None)
    page = seo.qa_page(
        name=question.title,
        text=seo.plain_text(question.body),
        url=url,
        language=question.language,
        created=question.created_at,
        modified=question.edited_at,
        upvotes=max(question.score, 0),
        author=_author(request, question.author),
        accepted=accepted,
        suggested=[described(a) for a in shown if not a.is_accepted],
        request=request,
    )
    return [page, crumbs]


def _render_question(request, question, *, status=200, **extra):
    return render(
        request,
        "forum/question_detail.html",
        _question_context(request, question, **extra),
        status=status,
    )


@require_GET
def question_detail(request, pk: int, slug: str | None = None):
    question = _get_question(request, pk)
    if slug != question.slug:
        url = question.get_absolute_url()
        if request.GET:
            url = f"{url}?{request.GET.urlencode()}"
        return redirect(url, permanent=True)
    _count_view(request, question)
    return _render_question(request, question)


@require_GET
def question_history(request, pk: int):
    """Every edit of the question and of the answers this person may see, with who made it,
    when, and what changed; the flag and moderation history only for moderators."""
    question = _get_question(request, pk)
    moderator = visibility.is_moderator(request.user)
    revisions = [
        revision
        for revision in queries.revisions(question)
        if revision.answer is None or visibility.can_view_post(revision.answer, request.user)
    ]
    for revision in revisions:
        revision.body_diff = diffs.line_diff(revision.old_body, revision.new_body)
    return render(
        request,
        "forum/history.html",
        {
            "question": question,
            "revisions": revisions,
            "moderation": history.history_of_question(question) if moderator else [],
        },
    )


# --- Asking and editing ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    problem = permissions.participation_problem(request.user)
    # "Ask the community" from a search that found nothing starts with what was searched.
    initial = {"title": " ".join(request.GET.get("title", "").split())[:150]}
    form = QuestionForm(request.POST or None, initial=initial, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_spam():
            return _rejected(request)
        # The same form sent twice (a double click, a reload) posts one question.
        submission = Submission(request, "forum-ask")
        if (repeat := submission.repeat_response(fallback=reverse("forum:index"))) is not None:
            return repeat
        with submission:
            if form.is_valid():
                data = form.cleaned_data
                try:
                    question = services.ask_question(
                        request.user,
                        title=data["title"],
                        body=data["body"],
                        product=data["product"],
                        tags=data["tags"],
                        language=data.get("language") or None,
                    )
                except ForumError as error:
                    form.add_error(None, error.message)
                    status = _error_status(error)
                else:
                    submission.succeeded(question.get_absolute_url())
                    if question.awaiting_review:
                        messages.info(
                            request,
                            _(
                                "Thanks! Your question contains several links, so a moderator "
                                "will review it before it appears to others."
                            ),
                        )
                    else:
                        messages.success(request, _("Your question is posted."))
                    return redirect(question.get_absolute_url())
    return render(
        request,
        "forum/ask.html",
        {"form": form, "participation_problem": problem},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_question(request, pk: int):
    question = _get_question(request, pk)
    if not permissions.can_edit(question, request.user):
        raise PermissionDenied
    form = QuestionForm.for_question(question, request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_spam():
            return _rejected(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.edit_question(
                    question,
                    request.user,
                    title=data["title"],
                    body=data["body"],
                    tags=data["tags"],
                    product=data["product"],
                    language=data.get("language") or None,
                )
            except ForumError as error:
                form.add_error(None, error.message)
                status = _error_status(error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(question.get_absolute_url())
    return render(
        request,
        "forum/edit_question.html",
        {"form": form, "question": question},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_answer(request, pk: int):
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=pk)
    question = _get_question(request, answer.question_id)
    if not visibility.can_view_post(answer, request.user):
        raise Http404
    if not permissions.can_edit(answer, request.user):
        raise PermissionDenied
    form = AnswerForm(request.POST or None, initial={"body": answer.body})
    status = 200
    if request.method == "POST":
        if form.is_spam():
            return _rejected(request)
        if form.is_valid():
            try:
                services.edit_answer(answer, request.user, body=form.cleaned_data["body"])
            except ForumError as error:
                form.add_error(None, error.message)
                status = _error_status(error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(answer.get_absolute_url())
    return render(
        request,
        "forum/edit_answer.html",
        {"form": form, "answer": answer, "question": question},
        status=status,
    )


# --- Answering, commenting, voting, accepting, watching --------------------------------


@login_required
@require_POST
def post_answer(request, pk: int):
    question = _get_question(request, pk)
    form = AnswerForm(request.POST)
    if form.is_spam():
        return _rejected(request)
    # The same answer sent twice (a double click, a reload) is posted once.
    submission = Submission(request, f"forum-answer-{question.pk}")
    if (repeat := submission.repeat_response(fallback=question.get_absolute_url())) is not None:
        return repeat
    with submission:
        if form.is_valid():
            try:
                answer = services.post_answer(
                    question, request.user, body=form.cleaned_data["body"]
                )
            except ForumError as error:
                form.add_error(None, error.message)
                return _render_question(
                    request, question, answer_form=form, status=_error_status(error)
                )
            submission.succeeded(answer.get_absolute_url())
            if answer.awaiting_review:
                messages.info(
                    request,
                    _(
                        "Thanks! Your answer contains several links, so a moderator will "
                        "review it before it appears to others."
                    ),
                )
            else:
                messages.success(request, _("Your answer is posted."))
            return redirect(answer.get_absolute_url())
    return _render_question(request, question, answer_form=form)


@login_required
@require_POST
def post_comment(request, pk: int):
    question = _get_question(request, pk)
    form = CommentForm(request.POST)
    if form.is_spam():
        return _rejected(request)
    answer = None
    raw_answer = request.POST.get("answer") or None
    if raw_answer:
        # An id that is not one (``abc``, ``1.5``, out of range) names no answer here.
        answer_id = parse_id(raw_answer)
        if answer_id is not None:
            answer = Answer.objects.filter(pk=answer_id, question=question).first()
        if answer is None or not visibility.can_view_post(answer, request.user):
            raise Http404
    target = answer.pk if answer else "question"
    if form.is_valid():
        try:
            comment = services.add_comment(
                request.user, question=question, answer=answer, body=form.cleaned_data["body"]
            )
        except ForumError as error:
            form.add_error(None, error.message)
            return _render_question(
                request,
                question,
                comment_form=form,
                comment_target=target,
                status=_error_status(error),
            )
        if comment.awaiting_review:
            messages.info(request, _("Thanks! A moderator will review your comment."))
        return redirect(comment.get_absolute_url())
    return _render_question(request, question, comment_form=form, comment_target=target)


def _post_for(kind: str, pk: int, request):
    if kind == "question":
        return _get_question(request, pk)
    if kind == "answer":
        post = get_object_or_404(Answer.objects.select_related("question"), pk=pk)
    elif kind == "comment":
        post = get_object_or_404(Comment.objects.select_related("question", "answer"), pk=pk)
    else:
        raise Http404
    post.question = _get_question(request, post.question_id)
    if not visibility.can_view_post(post, request.user):
        raise Http404
    return post


@login_required
@require_POST
def vote(request, kind: str, pk: int):
    if kind not in ("question", "answer"):
        raise Http404
    post = _post_for(kind, pk, request)
    wanted = {"up": 1, "down": -1}.get(request.POST.get("value"), 0)
    current = services.vote_of(request.user, post)
    value = 0 if wanted == current else wanted
    try:
        score = services.vote(request.user, post, value)
    except ForumError as error:
        if wants_json(request):
            return JsonResponse({"error": error.message}, status=_error_status(error))
        messages.error(request, error.message)
        return redirect(post.get_absolute_url())
    if wants_json(request):
        return JsonResponse({"score": score, "vote": value})
    return redirect(post.get_absolute_url())


@login_required
@require_POST
def accept(request, pk: int):
    answer = _post_for("answer", pk, request)
    try:
        if request.POST.get("action") == "unaccept":
            services.unaccept_answer(answer, request.user)
        else:
            services.accept_answer(answer, request.user)
            messages.success(request, _("You accepted this answer."))
    except ForumError as error:
        if isinstance(error, NotAllowed):
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
    return redirect(answer.get_absolute_url())


@login_required
@require_POST
def watch(request, pk: int):
    question = _get_question(request, pk)
    if request.POST.get("action") == "unwatch":
        services.unwatch(question, request.user)
        messages.success(request, _("You no longer watch this question."))
    else:
        services.watch(question, request.user)
        messages.success(request, _("You will be emailed about new answers to this question."))
    return redirect(question.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def flag(request, kind: str, pk: int):
    post = _post_for(kind, pk, request)
    question = post if kind == "question" else post.question
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        original = None
        if data.get("duplicate_of_id"):
            original = Question.objects.filter(pk=data["duplicate_of_id"]).first()
            if original is None or not visibility.can_view_question(original, request.user):
                original = None
        try:
            services.flag_post(
                request.user,
                post,
                reason=data["reason"],
                duplicate_of=original,
                note=data.get("note", ""),
            )
        except ForumError as error:
            form.add_error(None, error.message)
            status = _error_status(error)
        else:
            messages.success(request, _("Thank you. A moderator will take a look."))
            return redirect(post.get_absolute_url())
    return render(
        request,
        "forum/flag.html",
        {"form": form, "post": post, "kind": kind, "question": question},
        status=status,
    )


# --- JSON endpoints -------------------------------------------------------------------


@require_GET
@rate_limited("forum_similar")
def similar(request):
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    items = similar_content(query, request.user, limit=6) if len(query) >= 3 else []
    response = JsonResponse({"query": query, "results": [item.as_dict() for item in items]})
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@rate_limited("forum_preview")
def preview(request):
    """A draft's Markdown through the same renderer and sanitizer as published posts
    (``core.markdown``), for the live preview of the ask, answer and edit forms. CSRF
    protected like every POST; signed-in members only; at most the longest post allowed."""

    def error(message: str, status: int) -> JsonResponse:
        response = JsonResponse({"error": message}, status=status)
        response["Cache-Control"] = "private, no-store"
        return response

    if not request.user.is_authenticated:
        return error(_("Sign in to preview your text."), 403)
    limit = conf.get("FORUM_BODY_MAX_LENGTH")
    # A body past DATA_UPLOAD_MAX_MEMORY_SIZE never gets here (the request is refused).
    text = request.POST.get("body", "")
    if len(text) > limit:
        return error(
            _("This text is too long to preview: at most %(n)s characters.") % {"n": limit},
            413,
        )
    response = JsonResponse({"html": render_markdown_uncached(text, id_prefix=USER_CONTENT_PREFIX)})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def tag_suggestions(request):
    query = (request.GET.get("q") or "").strip().lower()[:40]
    names = queries.tag_suggestions(request.user, query)
    response = JsonResponse({"query": query, "results": names})
    response["Cache-Control"] = "private, no-store"
    return response


# --- Members --------------------------------------------------------------------------


@require_GET
def profile(request, username: str):
    member = get_object_or_404(get_user_model(), username=username, is_active=True)
    questions = queries.member_questions(request.user, member)
    answers = queries.member_answers(request.user, member)
    return render(
        request,
        "forum/profile.html",
        {
            "member": member,
            "questions": questions[: queries.PROFILE_LIMIT],
            "question_count": questions.count(),
            "answers": answers[: queries.PROFILE_LIMIT],
            "answer_count": answers.count(),
            "accepted_count": answers.filter(is_accepted=True).count(),
            "standing": reputation.standing(member),
            "trust_name": trust.name_of(trust.trust_level(member)),
            "canonical_url": request.build_absolute_uri(request.path),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    profile_ = services.profile_for(request.user)
    form = NotificationSettingsForm(request.POST or None, instance=profile_)
    if request.method == "POST" and form.is_valid():
        services.update_notification_settings(
            request.user,
            email_on_answers=form.cleaned_data["email_on_answers"],
            email_on_mentions=form.cleaned_data["email_on_mentions"],
        )
        messages.success(request, _("Your community email settings are saved."))
        return redirect("forum:settings")
    watched = queries.watched_questions(request.user)
    return render(request, "forum/settings.html", {"form": form, "watched": watched})


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    found = services.read_unsubscribe_token(token)
    if found is None:
        return render(request, "forum/unsubscribe.html", {"invalid": True}, status=400)
    user, kind = found
    done = False
    if request.method == "POST":
        services.unsubscribe(user, kind)
        done = True
    return render(
        request,
        "forum/unsubscribe.html",
        {
            "kind": kind,
            "done": done,
            "action": reverse("forum:unsubscribe", kwargs={"token": token}),
        },
    )
