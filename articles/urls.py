from django.urls import path
from django.utils.translation import gettext_lazy as _

from articles import views

app_name = "articles"

# Mounted at /articles/ (/es/guia/) under the "articles" namespace.
urlpatterns = [
    path("", views.article_index, name="index"),
    path("<slug:slug>/", views.article_detail, name="detail"),
]

# Mounted at the site's root: search spans the whole guide, at /search/ (URL name "search").
root_urlpatterns = [
    path(_("search/"), views.search, name="search"),
]
