from django import forms
from django.utils.translation import gettext_lazy as _

from core.params import ModelMultipleChoiceField
from segments.models import Segment


class SubscriptionsForm(forms.Form):
    products = ModelMultipleChoiceField(
        label=_("Email me announcements about"),
        queryset=Segment.objects.filter(kind=Segment.Kind.PRODUCT),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Untick every product to stop all announcement emails."),
    )
