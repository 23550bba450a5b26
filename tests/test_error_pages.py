"""Error pages are the site's own: branded, explanatory, never Django's bare text."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_404_is_branded(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'class="brand"' in html
    assert "/static/css/site.css" in html


def test_403_explains_the_role(client, users):
    client.force_login(users["campaigner"])
    response = client.get("/editorial/review/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not open this page" in html and "signed in as camp" in html
    request = RequestFactory().get("/editorial/review/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    page = defaults.permission_denied(request, exception=PermissionDenied()).content.decode()
    assert "You may not open this page" in page and "Sign in" in page


def test_500_renders_without_a_database_or_context():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and 'class="brand"' in html


def test_csrf_failure_is_explained(client, users):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "This form could not be sent" in response.content.decode()
