from django import forms
from django.utils.translation import gettext_lazy as _

COMMENT_MAX_LENGTH = 2000


class HelpfulVoteForm(forms.Form):
    """ "Was this helpful?": the pressed button (yes/no) and an optional comment."""

    helpful = forms.TypedChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        error_messages={"required": _("Choose “Yes” or “No”.")},
    )
    comment = forms.CharField(
        label=_("Tell us more (optional)"),
        help_text=_("What were you looking for? Please don’t include personal details."),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
