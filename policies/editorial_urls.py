"""Sign-in, drafts, review queue, history, import: campaigners' and editors' pages."""

urlpatterns: list = []
