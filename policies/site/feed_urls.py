"""Atom feeds of what changed (see ``policies.feeds``)."""

from django.urls import path

from . import feeds

urlpatterns = [
    path("feeds/changes.atom", feeds.ChangesFeed(), name="feed-all"),
    path("feeds/papers/<int:number>.atom", feeds.PaperChangesFeed(), name="feed-paper"),
    path("feeds/themes/<slug:slug>.atom", feeds.ThemeChangesFeed(), name="feed-theme"),
    path(
        "feeds/proposals/<str:reference>.atom",
        feeds.ProposalChangesFeed(),
        name="feed-proposal",
    ),
]
