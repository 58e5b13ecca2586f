from allauth.account import forms as allauth_forms
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.params import ModelChoiceField, ModelMultipleChoiceField
from segments.models import Segment

from .emails import InternationalEmailField
from .models import ApiToken


class ProfileForm(forms.ModelForm):
    """What a member tells us about themselves. Nothing here grants access."""

    declared_products = ModelMultipleChoiceField(
        label=_("Products I use"),
        queryset=Segment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "We show articles and announcements about these products first. "
            "Choosing a product here does not give access to restricted content."
        ),
    )
    declared_role = ModelChoiceField(
        label=_("My role"),
        queryset=Segment.objects.none(),
        required=False,
        empty_label=_("Prefer not to say"),
        widget=forms.RadioSelect,
        help_text=_("Helps us suggest the right articles for the work you do."),
    )

    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("The language of the help center and of the emails we send you."),
    )

    class Meta:
        model = get_user_model()
        fields = ["display_name", "language", "declared_products", "declared_role"]
        labels = {"display_name": _("Display name")}
        help_texts = {
            "display_name": _(
                "Shown with your posts in the community. Leave empty to use "
                "the first part of your email address."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declared_products"].queryset = Segment.objects.filter(
            kind=Segment.Kind.PRODUCT
        )
        self.fields["declared_role"].queryset = Segment.objects.filter(kind=Segment.Kind.ROLE)
        self.fields["display_name"].widget.attrs.update({"autocomplete": "nickname"})
        if not self.instance.language:
            self.initial["language"] = translation.get_language()


class LoginForm(allauth_forms.LoginForm):
    """allauth's sign-in form, accepting internationalised email addresses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = InternationalEmailField()
        self.order_fields(["login", "password", "remember"])


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up form, accepting internationalised email addresses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        self.fields["email"] = InternationalEmailField(label=field.label, required=field.required)
        self.order_fields(["email", "password1", "password2"])


def _expiry_choices():
    choices = []
    for days in settings.API_TOKEN_EXPIRY_CHOICES:
        if days:
            label = ngettext("%(days)s day", "%(days)s days", days) % {"days": days}
        else:
            label = _("No end date")
        choices.append((str(days), label))
    return choices


class ApiTokenForm(forms.Form):
    """A person's new API token (``users.tokens.create_token``)."""

    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What the token is for, e.g. “Status page script”."),
    )
    # "Integrations" is given by administrators only (Wagtail admin → API tokens).
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[
            (ApiToken.Scope.READ, ApiToken.Scope.READ.label),
            (ApiToken.Scope.WRITE, ApiToken.Scope.WRITE.label),
        ],
        initial=[ApiToken.Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "“Read” lets the token read what you may see. “Write” lets it ask, answer and "
            "vote in the community and send and answer your support requests, as you."
        ),
    )
    expires_in = forms.TypedChoiceField(
        label=_("Expires"),
        choices=_expiry_choices,
        coerce=int,
        initial="90",
    )
