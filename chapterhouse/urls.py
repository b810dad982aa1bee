"""The site's URLs. Public pages follow AO3's URL scheme (see docs/)."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.urls import URLPattern, include, path, re_path
from django.urls.resolvers import ResolverMatch, RoutePattern
from django.views.static import serve

from chapterhouse.accounts import sessions_ao3
from chapterhouse.api.app import api
from chapterhouse.moderation.django_admin import admin_site_secure
from chapterhouse.works.urls import app_name as works_namespace
from chapterhouse.works.urls import reading as works_reading


def _with_slash(request, word):
    """/users/login and friends (AO3's spelling) lead to the pages at /users/login/."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"/users/{word}/" + (f"?{query}" if query else ""))


class EarlyRoute(URLPattern):
    """A route of a namespaced include, tried before every other route of the
    site and found as ``namespace:name``, as where it is declared (which alone
    reverses it: this copy has no name of its own). For the most visited
    pages, which would otherwise wait behind about 190 routes; only for a
    route no earlier one matches (tests/test_urls.py checks it)."""

    def __init__(self, namespace: str, declared: URLPattern):
        super().__init__(RoutePattern(str(declared.pattern), is_endpoint=True),
                         declared.callback, declared.default_args)
        self.in_namespace, self.declared_name = namespace, declared.name

    def resolve(self, path):
        match = super().resolve(path)
        if match:
            return ResolverMatch(
                match.func, match.args, match.kwargs, self.declared_name,
                app_names=[self.in_namespace], namespaces=[self.in_namespace],
                route=match.route, captured_kwargs=match.captured_kwargs,
                extra_kwargs=match.extra_kwargs,
            )
        return None


#: The work and chapter pages, found first (docs/reading.md).
EARLY_ROUTES = [
    EarlyRoute(works_namespace, declared)
    for declared in works_reading.urlpatterns
    if declared.name in ("work", "chapter")
]

# Django's admin logs in through the site's own log-in and, like every admin
# page, needs a second factor this session (moderation/django_admin.py).
admin_site_secure(admin.site)
admin.site.site_header = f"{settings.SITE_NAME} administration"

urlpatterns = [
    *EARLY_ROUTES,
    # Sign-up, log-in, password and e-mail flows live under /users/, as on AO3;
    # their path words are reserved user names (accounts/validators.py).
    path("users/", include("allauth.urls")),
    # AO3's tools log in at /users/login itself, with AO3's field names.
    path("users/login", sessions_ao3.login, name="login_ao3"),
    path("token_dispenser.json", sessions_ao3.token_dispenser, name="token_dispenser"),
    re_path(r"^users/(?P<word>logout|signup|email|inactive|reauthenticate)$", _with_slash),
    # Before the works URLs: /works and /works/search are listings, not works.
    path("", include("chapterhouse.discovery.urls")),
    path("", include("chapterhouse.discovery.reader_urls")),
    path("", include("chapterhouse.responses.urls")),
    path("", include("chapterhouse.exchange.urls")),
    path("", include("chapterhouse.moderation.urls")),
    path("api/v1/", api.urls),
    path("", include("chapterhouse.api.urls")),
    path("", include("chapterhouse.collections.urls")),
    path("", include("chapterhouse.works.urls")),
    path("", include("chapterhouse.tags.wrangling_urls")),
    path("", include("chapterhouse.tags.urls")),
    path("", include("chapterhouse.accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("chapterhouse.web.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^uploads/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler400 = "chapterhouse.web.views.bad_request"
handler403 = "chapterhouse.web.views.permission_denied"
handler404 = "chapterhouse.web.views.page_not_found"
handler500 = "chapterhouse.web.views.server_error"
handler429 = "chapterhouse.web.views.too_many_requests"
