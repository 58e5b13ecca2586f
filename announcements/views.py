from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .forms import SubscriptionsForm


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request):
    """Choose the products whose announcements a member receives by email."""
    current = services.subscribed_products(request.user)
    if request.method == "POST":
        form = SubscriptionsForm(request.POST)
        if form.is_valid():
            chosen = list(form.cleaned_data["products"])
            services.set_subscriptions(request.user, chosen)
            if chosen:
                messages.success(
                    request,
                    _("Saved. We will email you announcements about %(products)s.")
                    % {"products": ", ".join(p.name for p in chosen)},
                )
            else:
                messages.success(request, _("Saved. You will not receive announcement emails."))
            return redirect("announcements_account:subscriptions")
    else:
        form = SubscriptionsForm(initial={"products": current})
    return render(
        request,
        "announcements/subscriptions.html",
        {"form": form, "subscribed_products": current},
    )


# Mail clients post here for one-click unsubscribe (RFC 8058); the token authenticates.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Unsubscribe from an email's products without signing in.

    GET only asks for confirmation, so link scanners cannot unsubscribe anyone.
    """
    found = services.read_unsubscribe_token(token)
    if found is None:
        return render(request, "announcements/unsubscribe.html", {"invalid": True}, status=400)
    user, products = found
    context = {"products": products, "email": user.email, "done": False}
    if request.method == "POST":
        context["removed"] = services.unsubscribe(user, products)
        context["done"] = True
    return render(request, "announcements/unsubscribe.html", context)
