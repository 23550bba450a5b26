"""API for indicators and observations."""

urlpatterns: list = []
