"""Forms of the support pages and of the agents' ticket workspace.

Validation reuses the rules in ``tickets.services`` and ``tickets.attachments`` (the services
check again when they write), so a form error and a service refusal say the same thing.
"""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from core.languages import language_form_field, writing_language
from core.params import IdField, ModelChoiceField
from core.submissions import SubmissionTokenMixin
from segments.models import Segment

from . import attachments, conf, services
from .errors import TicketError
from .models import SLAPolicy, Ticket
from .models.workspace import WEEKDAY_CHOICES, time_zone_choices
from .permissions import agents

PRIORITY_HELP = {
    Ticket.Priority.LOW: _(
        "A question, a how-to or feedback. Nothing is broken and your work is not held up."
    ),
    Ticket.Priority.NORMAL: _(
        "Something does not work as expected for some people, but there is a workaround or "
        "the impact on your business is limited."
    ),
    Ticket.Priority.HIGH: _(
        "A major feature is impaired for many people with no good workaround: customers, "
        "revenue or a deadline are affected."
    ),
    Ticket.Priority.URGENT: _(
        "A product you rely on in production is unavailable or data is at risk, and nothing "
        "works around it. Please keep this for real emergencies."
    ),
}


def _validated(clean, value):
    try:
        return clean(value)
    except TicketError as error:
        raise forms.ValidationError(error.message) from None


def products():
    return Segment.objects.filter(kind=Segment.Kind.PRODUCT)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each one is checked by ``tickets.attachments``."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": attachments.accept_attribute()})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(MultipleFileField, self).clean(item, initial) for item in files if item]
        try:
            attachments.check_files(files)
        except TicketError as error:
            raise forms.ValidationError(error.message) from None
        return files


def attachments_help() -> str:
    return _(
        "Up to %(count)s files of at most %(size)s each: %(types)s. Remove passwords and "
        "API keys first."
    ) % {
        "count": conf.get("TICKETS_ATTACHMENT_MAX_FILES"),
        "size": filesizeformat(conf.get("TICKETS_ATTACHMENT_MAX_BYTES")),
        "types": attachments.accepted_description(),
    }


class DescribeForm(forms.Form):
    """Step 1: the product and the problem, in the customer's words."""

    product = ModelChoiceField(
        label=_("Product"),
        queryset=Segment.objects.none(),
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the product your request is about.")},
    )
    subject = forms.CharField(
        label=_("What do you need help with?"),
        help_text=_("One sentence, as you would say it to a colleague."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "aria-controls": "support-suggestions"}
        ),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        required=False,
        help_text=_(
            "What did you try, what happened, what did you expect? Error messages help us "
            "find the right answer."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "aria-controls": "support-suggestions"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products()

    def clean_subject(self):
        return _validated(services.clean_subject, self.cleaned_data["subject"])


class PriorityRadioSelect(forms.RadioSelect):
    """Radio buttons, each described by what that priority means for the business."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        help_id = f"{option['attrs'].get('id') or f'{name}_{index}'}_help"
        option["help"] = PRIORITY_HELP.get(int(value)) if value not in (None, "") else ""
        option["help_id"] = help_id
        option["attrs"]["aria-describedby"] = help_id
        return option


class TicketForm(SubmissionTokenMixin, forms.Form):
    """Step 2: the request itself, prefilled from step 1."""

    product = ModelChoiceField(
        label=_("Product"),
        queryset=Segment.objects.none(),
        to_field_name="slug",
        empty_label=_("Choose a product"),
        error_messages={"required": _("Choose the product your request is about.")},
    )
    subject = forms.CharField(label=_("Subject"))
    description = forms.CharField(
        label=_("Description"),
        help_text=_(
            "When did it start, who is affected, what is the exact error? Add one or two "
            "example IDs (invoice, message, export) and the time it happened."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    language = language_form_field(
        help_text=_("The language you write in: we answer in it."),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        help_text=_("How much does this affect your business right now?"),
        choices=Ticket.Priority.choices,
        coerce=int,
        initial=Ticket.Priority.NORMAL,
        widget=PriorityRadioSelect,
    )
    categories = forms.MultipleChoiceField(
        label=_("Category"),
        required=False,
        help_text=_("Choose any that fit; it helps us send your request to the right people."),
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products()
        self.fields["language"].initial = self.initial.get("language") or writing_language()
        self.fields["categories"].choices = conf.categories()
        self.fields["attachments"].help_text = attachments_help()
        if not conf.categories():
            del self.fields["categories"]

    def clean_subject(self):
        return _validated(services.clean_subject, self.cleaned_data["subject"])

    def clean_description(self):
        return _validated(services.clean_description, self.cleaned_data["description"])


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()

    def clean_body(self):
        return _validated(services.clean_message, self.cleaned_data["body"])


class RatingForm(forms.Form):
    """How a solved request went: "Good" or "Bad" and an optional comment. On the request's
    page the two choices are two submit buttons (``score``); on the page an emailed link
    opens, a pre-selected choice and one "Send rating" button."""

    score = forms.ChoiceField(
        label=_("How did we do?"),
        choices=[
            ("good", _("Good, I am satisfied")),
            ("bad", _("Bad, I am not satisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        help_text=_("What went well, or what we could do better."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_comment(self):
        return _validated(services.clean_comment, self.cleaned_data["comment"])


# --- The agents' workspace (admin) ----------------------------------------------------


class AgentReplyForm(ReplyForm):
    STATUS_CHOICES = [
        ("pending", _("Waiting for the customer")),
        ("open", _("Open (we are still on it)")),
        ("solved", _("Solved")),
    ]
    body = forms.CharField(
        label=_("Reply to the customer"),
        help_text=_("Emailed to the customer and shown on their request page."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    status = forms.ChoiceField(
        label=_("Then set the status to"), choices=STATUS_CHOICES, initial="pending"
    )


class InternalNoteForm(ReplyForm):
    body = forms.CharField(
        label=_("Internal note"),
        help_text=_(
            "Only the support team sees notes. They are never shown or emailed to the customer."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class TicketPropertiesForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Ticket.Priority.choices, coerce=int
    )
    assignee = ModelChoiceField(
        label=_("Assignee"),
        queryset=None,
        required=False,
        empty_label=_("Nobody"),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separated by commas, e.g. “billing, sso”."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents()
        self.fields["assignee"].label_from_instance = lambda user: user.public_name

    @classmethod
    def for_ticket(cls, ticket: Ticket, data=None, **kwargs):
        return cls(
            data,
            **kwargs,
            initial={
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee": ticket.assignee_id,
                "tags": ", ".join(sorted(tag.name for tag in ticket.tags.all())),
            },
        )

    def clean_tags(self):
        return _validated(services.parse_tags, self.cleaned_data.get("tags") or "")


class ArticleDraftForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Article title"), max_length=255)

    def __init__(self, *args, **kwargs):
        from kb.models import CategoryPage

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CategoryPage.objects.order_by("title")


class EscalateForm(forms.Form):
    question = IdField(widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("First reply to the author (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SLAPolicyForm(WagtailAdminModelForm):
    """An SLA policy in the admin: the working days as checkboxes, time zones from a list."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=lambda: [("", _("The site's time zone")), *time_zone_choices()],
        required=False,
    )

    class Meta:
        model = SLAPolicy
        fields = [
            "priority",
            "first_reply_minutes",
            "resolution_minutes",
            "custom_hours",
            "weekdays",
            "opens_at",
            "closes_at",
            "time_zone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = self.instance.weekday_list

    def clean_weekdays(self):
        return ",".join(str(day) for day in sorted(set(self.cleaned_data["weekdays"])))
