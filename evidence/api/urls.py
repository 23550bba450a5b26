"""API for indicators and observations (included under /api/v1/, namespace ``api``)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("observations", views.ObservationViewSet, basename="observation")

urlpatterns = router.urls
