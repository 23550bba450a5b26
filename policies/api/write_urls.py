"""API writes (status update drafts, evidence, review actions, import): campaigners' work.

Paths are kept apart from the read router's (``status-updates/``, ``evidence/``)
so that reads stay exactly what the read API serves.
"""

from django.urls import path

from . import drafts, imports, sources

urlpatterns = [
    path("drafts/", drafts.DraftListView.as_view(), name="draft-list"),
    path("drafts/<int:pk>/", drafts.DraftDetailView.as_view(), name="draft-detail"),
    path(
        "drafts/<int:pk>/submit/",
        drafts.DraftSubmitView.as_view(),
        name="draft-submit",
    ),
    path(
        "drafts/<int:pk>/publish/",
        drafts.DraftPublishView.as_view(),
        name="draft-publish",
    ),
    path(
        "drafts/<int:pk>/return/",
        drafts.DraftReturnView.as_view(),
        name="draft-return",
    ),
    path(
        "status-updates/<int:pk>/corrections/",
        drafts.CorrectionView.as_view(),
        name="statusupdate-correct",
    ),
    path("sources/", sources.SourceListView.as_view(), name="source-list"),
    path("sources/<int:pk>/", sources.SourceDetailView.as_view(), name="source-detail"),
    path("imports/", imports.ImportView.as_view(), name="import"),
    path("imports/template/", imports.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<str:job_id>/", imports.ImportJobView.as_view(), name="import-job"),
]
