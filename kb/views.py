from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import wants_json
from core.params import parse_id
from segments import policy
from users import follows

from .forms import HelpfulVoteForm
from .models import ArticlePage, CategoryPage
from .services import ArticleUnavailable, record_helpful_vote, remember_answer


@require_POST
def helpful_vote(request, article_id: int):
    """Record a "Was this helpful?" answer (works with and without JavaScript)."""
    if parse_id(article_id) is None:
        raise Http404  # the URL takes any digits; no page id is that large
    article = get_object_or_404(
        ArticlePage.objects.live().prefetch_related("segments"), pk=article_id
    )
    if not policy.can_view(article, request.user):
        raise Http404
    back = (article.get_url(request) or "/") + "#helpful"

    form = HelpfulVoteForm(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)

    session_key = ""
    if not request.user.is_authenticated:
        if not request.session.session_key:
            request.session.save()
        session_key = request.session.session_key
    try:
        record_helpful_vote(
            article,
            user=request.user,
            session_key=session_key,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
        )
    except ArticleUnavailable:
        raise Http404 from None
    remember_answer(request, article, form.cleaned_data["helpful"])

    message = _("Thanks for your feedback! It helps us improve this article.")
    if wants_json(request):
        return JsonResponse({"message": message, "helpful": form.cleaned_data["helpful"]})
    messages.success(request, message)
    return HttpResponseRedirect(back)


@login_required
@require_POST
def follow_category(request, category_id: int):
    """Follow (or, with ``action=unfollow``, stop following) a category: new articles in
    it appear in the person's notifications. A category they may not open does not exist."""
    if parse_id(category_id) is None:
        raise Http404
    category = get_object_or_404(CategoryPage.objects.live(), pk=category_id)
    if request.POST.get("action") == "unfollow":
        follows.unfollow_category(request.user, category)
        messages.success(request, _("You no longer follow “%(name)s”.") % {"name": category.title})
    else:
        if not policy.can_view(category, request.user):
            raise Http404
        follows.follow_category(request.user, category)
        messages.success(
            request,
            _("You follow “%(name)s”: new articles in it will appear in your notifications.")
            % {"name": category.title},
        )
    if request.POST.get("next") == reverse("users:profile"):
        return redirect("users:profile")
    return redirect(category.url)
