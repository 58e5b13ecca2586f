from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST, require_safe

from core.params import parse_id
from segments import policy
from segments.models import SegmentMembership

from . import follows, notifications, tokens
from .forms import ApiTokenForm, ProfileForm
from .language import supported_language
from .services import set_language as remember_language
from .services import update_profile


@require_POST
def set_language(request):
    """Django's ``set_language`` (the language cookie, back to ``next``), and for a
    signed-in member the account's language too. Nothing goes into a session."""
    response = i18n.set_language(request)
    code = supported_language(request.POST.get("language"))
    if code and request.user.is_authenticated:
        remember_language(request.user, code)
    return response


@login_required
def profile(request):
    """Edit what the member declares; show, read-only, what the company granted them."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, instance=user)
    if request.method == "POST" and form.is_valid():
        update_profile(
            user,
            display_name=form.cleaned_data["display_name"],
            declared_products=form.cleaned_data["declared_products"],
            declared_role=form.cleaned_data["declared_role"],
            language=form.cleaned_data["language"] or None,
        )
        messages.success(request, _("Your profile has been saved."))
        return redirect("users:profile")
    granted = (
        SegmentMembership.objects.active()
        .filter(user=user)
        .select_related("segment")
        .order_by("segment__kind", "segment__sort_order", "segment__name")
    )
    return render(
        request,
        "users/profile.html",
        {
            "form": form,
            "granted": granted,
            "token_form": ApiTokenForm(),
            "api_tokens": tokens.tokens_of(user),
            **_followed(user),
        },
    )


def _followed(user) -> dict:
    """What the person follows; a category they may no longer open is left out."""
    tags, categories = follows.followed(user)
    categories = [row for row in categories if policy.can_view(row.category.specific, user)]
    return {"followed_tags": tags, "followed_categories": categories}


@login_required
@require_safe
def notification_list(request):
    """The person's notifications, newest first; each subject is checked for access as it
    is shown (``users.notifications.listing``)."""
    response = render(
        request,
        "users/notifications.html",
        {
            "notifications": notifications.listing(request.user),
            "unread": notifications.unread_count(request.user),
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def notifications_read(request):
    """Mark one notification read (``id``; then go to its subject when ``next`` is given)
    or all of them."""
    raw = request.POST.get("id", "")
    if raw:
        pk = parse_id(raw)
        if pk is None:
            return HttpResponseBadRequest(_("This notification does not exist."))
        notifications.mark_read(request.user, [pk])
    else:
        notifications.mark_read(request.user)
        messages.success(request, _("All notifications are marked as read."))
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("users:notifications")


@login_required
@require_POST
def create_api_token(request):
    """A new API token for the person signed in, shown once on the answer to this POST
    (never stored in the session, never cached)."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The token was not created: check its name and scopes."))
        return redirect("users:profile")
    token, raw = tokens.create_token(
        request.user,
        name=form.cleaned_data["name"],
        scopes=form.cleaned_data["scopes"],
        expires_at=tokens.expiry_in(form.cleaned_data["expires_in"]),
    )
    response = render(request, "users/api_token_created.html", {"token": token, "raw": raw})
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def revoke_api_token(request, token_id: int):
    if tokens.revoke_for(request.user, token_id):
        messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("users:profile")
