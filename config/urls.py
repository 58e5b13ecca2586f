from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from core import views as core_views
from portal import views as portal_views
from portal.sitemap import PortalSitemap, QuestionSitemap
from segments.media import serve_media

urlpatterns = [
    # Sign-in goes through allauth (second factor, rate limits), never Wagtail's own form.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="admin_login",
    ),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's front-end sign-in form (used for page privacy) would be a second door
    # without the second factor, the rate limits or the verified-email rule.
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailcore_login",
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("account/", include("users.urls")),
    path("account/", include("announcements.account_urls")),
    path("account/", include("allauth.urls")),
    path("feedback/", include("kb.urls")),
    path("feeds/", include("announcements.urls")),
    path("community/", include("forum.urls")),
    path("support/", include("inbound.urls")),
    path("support/", include("tickets.urls")),
    path("", include("search.urls")),
    path("", include("api.urls")),
    path("widget/", include("widget.urls")),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"pages": PortalSitemap, "questions": QuestionSitemap}},
        name="sitemap",
    ),
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path("metrics", core_views.metrics, name="metrics"),
    # Django's language switch, which also keeps a signed-in member's choice on the account
    # and takes the reader to the page's translation in the chosen language.
    path("i18n/setlang/", portal_views.set_language, name="set_language"),
]

# Uploaded files follow their content's access: checked, then sent (never a public folder).
urlpatterns += [re_path(r"^media/(?P<path>.+)$", serve_media, name="media")]

# Pages: the English tree at /, the Persian and Romanian trees under /fa/ and /ro/.
urlpatterns += [path("", include("core.content_urls"))]
