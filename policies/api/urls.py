"""The policies app's API (included under ``/api/v1/`` by ``tracker.api.urls``)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import read, root

# No stock root: ``root.APIRootView`` lists every endpoint with an example.
router = DefaultRouter()
router.include_root_view = False
router.register("papers", read.PaperViewSet, basename="paper")
router.register("sections", read.SectionViewSet, basename="section")
router.register("themes", read.ThemeViewSet, basename="theme")
router.register("proposals", read.ProposalViewSet, basename="proposal")
router.register("status-updates", read.StatusUpdateViewSet, basename="statusupdate")
router.register("evidence", read.EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("", root.APIRootView.as_view(), name="api-root"),
    path("changes/", read.ChangesView.as_view(), name="changes"),
    path("dump/", read.DumpView.as_view(), name="dump"),
    path("", include("policies.api.write_urls")),
    path("", include(router.urls)),
]
