"""HTML pages for indicators and data freshness."""

from django.urls import path

from . import views

urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/<slug:slug>/", views.indicator_detail, name="indicator-detail"),
    path("data/freshness/", views.freshness, name="indicator-freshness"),
]
