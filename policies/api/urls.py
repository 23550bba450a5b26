from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views
from .schema import SchemaView

app_name = "api"

router = DefaultRouter()
router.register("papers", views.PaperViewSet, basename="paper")
router.register("sections", views.SectionViewSet, basename="section")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("status-updates", views.StatusUpdateViewSet, basename="statusupdate")
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("dump/", views.DumpView.as_view(), name="dump"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include("policies.api.write_urls")),
    path("", include("evidence.api.urls")),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404 with the stable code, not an HTML page.
    re_path(r"^.*$", views.not_found, name="not-found"),
]
