"""HTML pages for indicators and data freshness."""

from django.urls import path

from . import views

urlpatterns = [
    path("indicators/<slug:slug>/", views.indicator_detail, name="indicator-detail"),
]
