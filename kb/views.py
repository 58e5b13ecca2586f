from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import wants_json
from core.params import parse_id
from segments import policy

from .forms import HelpfulVoteForm
from .models import ArticlePage
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
