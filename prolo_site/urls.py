"""The site's URLs: each app's under its own prefix, the admin at DJANGO_ADMIN_URL."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve

from articles import views as article_views
from prolo_site import views
from prolo_site.sitemaps import SITEMAPS

admin.site.site_header = "Clinic website administration"
admin.site.site_title = "Clinic website admin"
admin.site.index_title = "Work and content"

urlpatterns = [
    path("", views.home, name="home"),
    path("about/<slug:slug>/", views.page_detail, name="page"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("articles/", include("articles.urls")),
    path("search/", article_views.search, name="search"),
    path("appointments/", include("appointments.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}
        )
    )

handler400 = "prolo_site.views.bad_request"
handler404 = "prolo_site.views.page_not_found"
handler500 = "prolo_site.views.server_error"
