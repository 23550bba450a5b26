from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("papers/<int:number>/", views.paper_detail, name="paper-detail"),
    path("proposals/", views.proposal_list, name="proposal-list"),
    path("proposals/<str:reference>/", views.proposal_detail, name="proposal-detail"),
    path("compare/118-138/", views.comparison, name="comparison"),
    path("updates/<int:pk>/", views.status_update_detail, name="status-update-detail"),
    path("evidence/", views.evidence_list, name="evidence-list"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence-detail"),
    path("methodology/", views.methodology, name="methodology"),
]
