"""The site's URLs: each app's under its own prefix, the admin at DJANGO_ADMIN_URL.

The patient's pages are in English without a prefix and in Spanish under /es/, each
address segment translated (gettext_lazy, so /es/guia/ for /articles/); the admin,
health check, robots, sitemap, favicon and media stay unprefixed and English.

Part of the project's wiring: with settings and the site-wide views, the only
place that imports the apps and puts what they provide together.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from articles import urls as article_urls
from articles.sitemaps import ArticleSitemap
from prolo_site import views
from prolo_site.sitemaps import PageSitemap, ViewSitemap

admin.site.site_header = "Clinic website administration"
admin.site.site_title = "Clinic website admin"
admin.site.index_title = "Work and content"

SITEMAPS = {
    "static": ViewSitemap("home", "articles:index", "appointments:request"),
    "articles": ArticleSitemap,
    "pages": PageSitemap,
}

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(settings.ADMIN_URL, admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path(_("about/<slug:slug>/"), views.page_detail, name="page"),
    path(_("articles/"), include("articles.urls")),
    path("", include(article_urls.root_urlpatterns)),  # /search/
    path("", include("appointments.urls")),
    prefix_default_language=False,
)
if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}
        )
    )

handler400 = "prolo_site.views.bad_request"
handler404 = "prolo_site.views.page_not_found"
handler500 = "prolo_site.views.server_error"
