from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("papers", views.PaperViewSet, basename="paper")
router.register("sections", views.SectionViewSet, basename="section")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("status-updates", views.StatusUpdateViewSet, basename="statusupdate")
router.register("evidence", views.EvidenceViewSet, basename="evidence")

urlpatterns = [
    path("", include("policies.api.write_urls")),
    path("", include("evidence.api.urls")),
    path("", include(router.urls)),
]
