"""API writes (status update drafts, evidence, review actions, import): campaigners' work.

Paths are kept apart from the read router's (``status-updates/``, ``evidence/``)
so that reads stay exactly what the read API serves.
"""

from django.urls import path

from . import acting_bodies, drafts, imports, reference, sources

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

# Editors' reference data (``reference.py``): apart from the read router's ``themes/``.
urlpatterns += [
    path("reference/themes/", reference.ThemeListView.as_view(), name="reference-themes"),
    path(
        "reference/themes/<int:pk>/",
        reference.ThemeDetailView.as_view(),
        name="reference-theme",
    ),
    path(
        "reference/themes/<int:pk>/history/",
        reference.ThemeHistoryView.as_view(),
        name="reference-theme-history",
    ),
    path("reference/links/", reference.LinkListView.as_view(), name="reference-links"),
    path("reference/links/<int:pk>/", reference.LinkDetailView.as_view(), name="reference-link"),
    path(
        "reference/links/<int:pk>/history/",
        reference.LinkHistoryView.as_view(),
        name="reference-link-history",
    ),
    path(
        "reference/proposals/<str:reference>/themes/",
        reference.ProposalThemesView.as_view(),
        name="reference-proposal-themes",
    ),
    path(
        "reference/proposals/<str:reference>/delivery-criteria/",
        reference.DeliveryCriteriaView.as_view(),
        name="reference-criteria",
    ),
    path(
        "reference/proposals/<str:reference>/delivery-criteria/history/",
        reference.DeliveryCriteriaHistoryView.as_view(),
        name="reference-criteria-history",
    ),
]

# Acting bodies (``acting_bodies.py``): editors' reference data, like themes.
urlpatterns += [
    path(
        "reference/acting-bodies/",
        acting_bodies.ActingBodyListView.as_view(),
        name="reference-acting-bodies",
    ),
    path(
        "reference/acting-bodies/<int:pk>/",
        acting_bodies.ActingBodyDetailView.as_view(),
        name="reference-acting-body",
    ),
    path(
        "reference/acting-bodies/<int:pk>/merge/",
        acting_bodies.ActingBodyMergeView.as_view(),
        name="reference-acting-body-merge",
    ),
    path(
        "reference/acting-bodies/<int:pk>/history/",
        acting_bodies.ActingBodyHistoryView.as_view(),
        name="reference-acting-body-history",
    ),
]
