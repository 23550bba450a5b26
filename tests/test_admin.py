"""Django admin covers every model of the tracker's apps, and each list loads."""

import pytest
from django.apps import apps
from django.contrib import admin

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tracker_models():
    for app_label in ("policies", "evidence"):
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__.startswith("Historical"):
                continue  # simple_history's rows are browsed from each object's history page
            yield model


def inline_models():
    inlined = set()
    for model_admin in admin.site._registry.values():
        for inline in getattr(model_admin, "inlines", []):
            inlined.add(inline.model)
    return inlined


def test_every_model_is_in_the_admin():
    missing = [
        m.__name__
        for m in tracker_models()
        if m not in admin.site._registry and m not in inline_models() and not m._meta.auto_created
    ]
    assert missing == []


def test_every_admin_list_loads(client, papers):
    user = UserFactory.create(is_superuser=True, is_staff=True)
    client.force_login(user)
    for model in tracker_models():
        if model not in admin.site._registry:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
