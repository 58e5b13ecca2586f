"""The admin's actions on webhooks: send a test event, rotate a secret, replay a delivery.

Each is a confirmation page (GET) and the action itself (POST), calling ``services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .models import Delivery, Endpoint
from .permission_policies import is_webhook_admin


class ConfirmActionView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "webhooks/admin/confirm.html"
    header_icon = "link-external"
    model = None
    confirmation_message = ""
    button_label = ""
    cancel_url_name = ""

    def dispatch(self, request, *args, **kwargs):
        if not is_webhook_admin(request.user):
            raise PermissionDenied
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model.objects.all()

    def get_page_subtitle(self):
        return str(self.object)

    def get_cancel_url(self):
        return reverse(self.cancel_url_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            confirmation_message=self.confirmation_message,
            button_label=self.button_label,
            cancel_url=self.get_cancel_url(),
        )
        return context

    def post(self, request, *args, **kwargs):
        return self.act()

    def act(self):  # pragma: no cover (every view defines it)
        raise NotImplementedError


class SendTestEventView(ConfirmActionView):
    model = Endpoint
    page_title = gettext_lazy("Send a test event")
    confirmation_message = gettext_lazy(
        "Portico will POST a signed test event (“ping”) to this endpoint now, whether it is "
        "active or not. The result appears in the delivery log."
    )
    button_label = gettext_lazy("Send the test event")
    cancel_url_name = "webhook_endpoints:index"

    def act(self):
        delivery = services.send_test_event(self.object, self.request.user)
        messages.success(self.request, _("The test event was queued for delivery."))
        return redirect("webhook_deliveries:inspect", delivery.pk)


class RotateSecretView(ConfirmActionView):
    model = Endpoint
    page_title = gettext_lazy("Rotate the signing secret")
    confirmation_message = gettext_lazy(
        "A new secret signs every delivery from now on, retries included. The receiving "
        "system must be given the new secret, or it will reject the deliveries."
    )
    button_label = gettext_lazy("Rotate the secret")
    cancel_url_name = "webhook_endpoints:index"

    def act(self):
        services.rotate_secret(self.object)
        messages.success(self.request, _("The endpoint has a new signing secret."))
        return redirect("webhook_endpoints:inspect", self.object.pk)


class ReplayDeliveryView(ConfirmActionView):
    model = Delivery
    page_title = gettext_lazy("Replay a delivery")
    confirmation_message = gettext_lazy(
        "A new delivery of the same payload (with the same event id) is sent to the endpoint, "
        "signed with its current secret."
    )
    button_label = gettext_lazy("Replay")
    cancel_url_name = "webhook_deliveries:index"

    def get_queryset(self):
        return Delivery.objects.select_related("endpoint")

    def act(self):
        delivery = services.replay(self.object)
        messages.success(self.request, _("The delivery was queued again."))
        return redirect("webhook_deliveries:inspect", delivery.pk)
