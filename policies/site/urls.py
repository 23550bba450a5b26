from django.urls import path

from .views import evidence, home, papers, proposals, themes

urlpatterns = [
    path("", home.home, name="home"),
    path("papers/<int:number>/", papers.paper_detail, name="paper-detail"),
    path("proposals/", proposals.proposal_list, name="proposal-list"),
    path("proposals/<str:reference>/", proposals.proposal_detail, name="proposal-detail"),
    path("compare/118-138/", papers.comparison, name="comparison"),
    path("updates/<int:pk>/", proposals.status_update_detail, name="status-update-detail"),
    path("evidence/", evidence.evidence_list, name="evidence-list"),
    path("evidence/<int:pk>/", evidence.evidence_detail, name="evidence-detail"),
    path("methodology/", home.methodology, name="methodology"),
    path("about/", home.about, name="about"),
    path("themes/", themes.theme_list, name="theme-index"),
    path("themes/<slug:slug>/", themes.theme_detail, name="theme-detail"),
]
