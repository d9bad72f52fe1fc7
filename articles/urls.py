from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.article_index, name="index"),
    path("<slug:slug>/", views.article_detail, name="detail"),
]
