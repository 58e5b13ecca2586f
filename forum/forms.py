from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.languages import language_form_field, writing_language
from core.params import IdField, ModelChoiceField, parse_id
from core.submissions import SubmissionTokenMixin
from segments.models import Segment

from . import conf, services, visibility
from .errors import InvalidPost
from .models import Flag, ForumProfile, Question

HONEYPOT_FIELD = "website"


class HoneypotMixin(forms.Form):
    """A field people never see or fill; automated posters usually do."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_spam(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


def _validated(clean, value):
    try:
        return clean(value)
    except InvalidPost as error:
        raise forms.ValidationError(error.message) from None


class QuestionForm(SubmissionTokenMixin, HoneypotMixin, forms.Form):
    # No max_length on the widgets: browsers would cut pasted text short without a word.
    # Lengths are checked on the server with a clear message, and the text is kept.
    title = forms.CharField(
        label=_("Title"),
        help_text=_("One sentence that says what you need, as you would ask a colleague."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "aria-controls": "forum-similar",
                "data-forum-similar": "",
            }
        ),
    )
    product = ModelChoiceField(
        label=_("Product"),
        queryset=Segment.objects.filter(kind=Segment.Kind.PRODUCT),
        empty_label=_("Choose a product"),
    )
    language = language_form_field(
        help_text=_("The language you write in: readers of that language see it first."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "list": "forum-tag-options",
                "data-forum-tags": "",
            }
        ),
    )
    body = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 12}),
    )

    def __init__(self, *args, user=None, current_product=None, **kwargs):
        """``user``: offer only the products whose forum they may see
        (``visibility.products_for``), plus the question's ``current_product`` when
        editing, so an edit never has to move a question."""
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = self.initial.get("language") or writing_language()
        products = visibility.products_for(user)
        if current_product is not None:
            products = products | Segment.objects.filter(pk=current_product.pk)
        self.fields["product"].queryset = products
        self.fields["tags"].help_text = _(
            "1 to %(n)s tags separated by commas, e.g. “webhooks, signing secret”."
        ) % {"n": conf.get("FORUM_MAX_TAGS")}
        self.fields["body"].help_text = _(
            "Markdown is supported. What did you try, what happened, what did you expect? "
            "At most %(n)s characters."
        ) % {"n": conf.get("FORUM_BODY_MAX_LENGTH")}

    def clean_title(self):
        return _validated(services.clean_title, self.cleaned_data["title"])

    def clean_body(self):
        return _validated(services.clean_body, self.cleaned_data["body"])

    def clean_tags(self):
        return _validated(services.parse_tags, self.cleaned_data["tags"])

    @classmethod
    def for_question(cls, question: Question, data=None, *, user=None):
        initial = {
            "title": question.title,
            "product": question.product_id,
            "tags": services.tag_string(question),
            "body": question.body,
            "language": question.language,
        }
        return cls(data, initial=initial, user=user, current_product=question.product)


class AnswerForm(SubmissionTokenMixin, HoneypotMixin, forms.Form):
    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Markdown is supported. At most %(n)s characters.") % {
            "n": conf.get("FORUM_BODY_MAX_LENGTH")
        }

    def clean_body(self):
        return _validated(services.clean_body, self.cleaned_data["body"])


class CommentForm(HoneypotMixin, forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
    answer = IdField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Plain text, at most %(n)s characters.") % {
            "n": conf.get("FORUM_COMMENT_MAX_LENGTH")
        }

    def clean_body(self):
        return _validated(services.clean_comment, self.cleaned_data["body"])


_QUESTION_REF = re.compile(r"(?:^|/q/)(\d+)(?:/|$)")


def question_id_from(value: str) -> int | None:
    """``"42"`` or a link like ``https://…/community/q/42/some-slug/`` → ``42``."""
    value = (value or "").strip()
    match = _QUESTION_REF.search(value)
    return parse_id(match.group(1) if match else value)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this post?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
    )
    duplicate_of = forms.CharField(
        label=_("Original question"),
        required=False,
        help_text=_("For duplicates: the link to, or number of, the original question."),
    )
    note = forms.CharField(
        label=_("Anything moderators should know?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == Flag.Reason.DUPLICATE:
            pk = question_id_from(data.get("duplicate_of", ""))
            if pk is None:
                self.add_error(
                    "duplicate_of", _("Paste the link to the original question, or its number.")
                )
            data["duplicate_of_id"] = pk
        return data


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = ForumProfile
        fields = ["email_on_answers", "email_on_mentions"]


class ModerationActionForm(forms.Form):
    ACTIONS = [
        ("hide", _("Hide")),
        ("restore", _("Restore")),
        ("approve", _("Approve")),
        ("lock", _("Lock")),
        ("unlock", _("Unlock")),
        ("duplicate", _("Mark as duplicate")),
        ("dismiss", _("Dismiss flags")),
        ("suspend", _("Suspend the author")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    kind = forms.ChoiceField(
        choices=[("question", "question"), ("answer", "answer"), ("comment", "comment")]
    )
    pk = IdField()
    duplicate_of = forms.CharField(required=False)
    days = forms.IntegerField(required=False, min_value=1, max_value=3650)
    reason = forms.CharField(required=False, max_length=300)
