"""API writes (status update drafts, evidence, review actions, import): campaigners' work.

Paths are kept apart from the read router's (``status-updates/``, ``evidence/``)
so that reads stay exactly what the read API serves.
"""

from django.urls import path

from . import write_views as views

urlpatterns = [
    path("drafts/", views.DraftListView.as_view(), name="draft-list"),
    path("drafts/<int:pk>/", views.DraftDetailView.as_view(), name="draft-detail"),
    path(
        "drafts/<int:pk>/submit/",
        views.DraftSubmitView.as_view(),
        name="draft-submit",
    ),
    path(
        "drafts/<int:pk>/publish/",
        views.DraftPublishView.as_view(),
        name="draft-publish",
    ),
    path(
        "drafts/<int:pk>/return/",
        views.DraftReturnView.as_view(),
        name="draft-return",
    ),
    path(
        "status-updates/<int:pk>/corrections/",
        views.CorrectionView.as_view(),
        name="statusupdate-correct",
    ),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("imports/", views.ImportView.as_view(), name="import"),
    path("imports/template/", views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<str:job_id>/", views.ImportJobView.as_view(), name="import-job"),
]
