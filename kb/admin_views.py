"""Admin views of the knowledge base: start an article for a search that found nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .models import CategoryPage


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.locale.language_code})"


class WriteArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    category = CategoryChoiceField(
        label=gettext_lazy("Category"), queryset=CategoryPage.objects.none()
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=300,
        help_text=gettext_lazy("Notes what was searched; rewrite it before publishing."),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CategoryPage.objects.filter(
            pk__in=[c.pk for c in categories]
        ).select_related("locale")


def categories_for(user, language: str = "") -> list[CategoryPage]:
    """Categories this person may add articles to, those in ``language`` first."""
    found = [
        category
        for category in CategoryPage.objects.select_related("locale").order_by("path")
        if category.permissions_for_user(user).can_add_subpage()
    ]
    return sorted(found, key=lambda c: c.locale.language_code != language)


class WriteArticleView(WagtailAdminTemplateMixin, FormView):
    """GET: a form pre-filled from the search. POST: the draft, then its editor."""

    template_name = "kb/admin/write_article.html"
    form_class = WriteArticleForm
    page_title = gettext_lazy("Write an article")
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        params = request.POST if request.method == "POST" else request.GET
        self.query = " ".join(params.get("q", "").split())[:255]
        self.language = params.get("lang", "")[:8]
        self.reason = "low-click" if params.get("reason") == "low-click" else "zero"
        self.categories = categories_for(request.user, self.language)
        if not self.categories:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("editors_dashboard"), "label": _("Editors’ dashboard")},
            {"url": "", "label": self.page_title},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "categories": self.categories}

    def get_initial(self):
        return {
            "title": self.query[:1].upper() + self.query[1:],
            "category": self.categories[0].pk,
            "summary": services.query_note(self.query, self.reason) if self.query else "",
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(query=self.query, language=self.language, reason=self.reason)
        return context

    def form_valid(self, form):
        try:
            article = services.draft_article_for_query(
                form.cleaned_data["category"],
                self.request.user,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
            )
        except services.NotAllowed as error:
            raise PermissionDenied from error
        message = _("Draft “%(title)s” started: write it, then publish.")
        messages.success(self.request, message % {"title": article.title})
        return redirect("wagtailadmin_pages:edit", article.pk)
