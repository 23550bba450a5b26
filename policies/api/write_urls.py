"""API writes (status update drafts, evidence, review actions, import): campaigners' work."""

urlpatterns: list = []
