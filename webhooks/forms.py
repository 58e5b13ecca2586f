from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import events, transport
from .models import Endpoint


class EndpointForm(WagtailAdminModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "An http or https address on the internet. Every delivery is a signed JSON "
            "POST with the full content of the item, restricted items included."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=events.CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The endpoint receives only these events."),
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            transport.check_url(url)
        except transport.BlockedAddress as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url

    def clean_events(self):
        chosen = set(self.cleaned_data.get("events") or [])
        return [name for name in events.NAMES if name in chosen]

    def save(self, commit=True):
        if self.instance._state.adding and self.instance.created_by_id is None:
            user = getattr(self, "for_user", None)
            if getattr(user, "is_authenticated", False):
                self.instance.created_by = user
        return super().save(commit=commit)
