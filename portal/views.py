from django.views.decorators.http import require_POST

from users import views as users_views
from users.language import supported_language

from .translations import translated_next


@require_POST
def set_language(request):
    """The language switch (``users.views.set_language``: the cookie, the account's
    language, back to ``next``) — and on a page that exists in the chosen language, to
    that translation when the reader may see it. Elsewhere the reader stays on the same
    address."""
    response = users_views.set_language(request)
    code = supported_language(request.POST.get("language"))
    if code and response.status_code == 302:
        translated = translated_next(request, response["Location"], code)
        if translated:
            response["Location"] = translated
    return response
