"""Editors' reference data: a proposal's themes, themes, and 118→138 links."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict, TypeVar

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from ... import permissions, services
from ...models import Proposal, ProposalLink, Theme
from ...permissions import User
from ..access import allowed
from ..forms import ProposalLinkForm, ProposalThemesForm, ThemeForm, VersionForm
from ..refusals import attempt_on_form, attempt_with_messages, form_status

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

Row = TypeVar("Row", Theme, ProposalLink)
Outcome = TypeVar("Outcome")


class _Usage(TypedDict):
    """What the theme pages annotate on a theme."""

    proposal_count: int


@allowed(permissions.can_edit_proposal)
def proposal_themes(request, reference: str):
    proposal = get_object_or_404(Proposal.objects.select_related("paper"), reference=reference)
    initial = {"themes": list(proposal.themes.all()), "version": proposal.version}
    form = ProposalThemesForm(request.POST if request.method == "POST" else None, initial=initial)
    attempt = None
    if request.method == "POST" and form.is_valid():
        attempt = attempt_on_form(
            form,
            lambda: services.set_proposal_themes(
                request.user,
                proposal=proposal,
                expected_version=form.cleaned_data["version"],
                themes=form.cleaned_data["themes"],
            ),
        )
        if attempt.ok:
            messages.success(request, f"Themes of {proposal.reference} saved.")
            return redirect(proposal.get_absolute_url())
    return render(
        request,
        "editorial/proposal_themes.html",
        {"proposal": proposal, "form": form, "conflict": attempt.conflict if attempt else None},
        status=form_status(request, attempt),
    )


@allowed(permissions.can_edit_proposal)
def theme_list(request):
    themes = Theme.objects.annotate(proposal_count=Count("proposals"))
    return render(request, "editorial/theme_list.html", {"themes": themes})


def _reference_data_form(
    request: HttpRequest,
    obj: Row | None,
    form: forms.Form,
    *,
    create: Callable[[User], object],
    update: Callable[[User, Row, int], object],
    template: str,
    name: str,
    saved: Callable[[forms.Form], str],
    back: str,
) -> HttpResponse:
    """Create or update a theme or link, guarded by its revision (shared by both)."""
    attempt = None
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version") or 0
        attempt = attempt_on_form(
            form,
            lambda: create(request.user) if obj is None else update(request.user, obj, version),
        )
        if attempt.ok:
            messages.success(request, saved(form))
            return redirect(back)
    return render(
        request,
        template,
        {name: obj, "form": form, "conflict": attempt.conflict if attempt else None},
        status=form_status(request, attempt),
    )


def _reference_data_delete(
    request: HttpRequest,
    obj: Row,
    *,
    delete: Callable[[User, Row, int], Outcome],
    what: str,
    consequence: str,
    deleted: Callable[[Outcome | None], str],
    back: str,
    again: str,
) -> HttpResponse:
    """Delete a theme or link after confirmation, guarded by its revision."""
    form = VersionForm(
        request.POST if request.method == "POST" else None,
        initial={"version": services.revision_of(obj)},
    )
    if request.method == "POST" and form.is_valid():
        attempt = attempt_with_messages(
            request, lambda: delete(request.user, obj, form.cleaned_data["version"])
        )
        if attempt.conflict is not None:
            return redirect(again)
        if attempt.refused:
            return redirect(back)
        outcome = attempt.result
        messages.success(request, deleted(outcome))
        return redirect(back)
    return render(
        request,
        "editorial/confirm_delete.html",
        {
            "what": what,
            "object": obj,
            "form": form,
            "consequence": consequence,
            "back": reverse(back),
        },
        status=400 if request.method == "POST" else 200,
    )


@allowed(permissions.can_edit_proposal)
def theme_edit(request, pk: int | None = None):
    theme = get_object_or_404(Theme, pk=pk) if pk is not None else None
    initial = ThemeForm.initial_for(theme) if theme is not None else {}
    form = ThemeForm(request.POST if request.method == "POST" else None, initial=initial)
    return _reference_data_form(
        request,
        theme,
        form,
        create=lambda user: services.create_theme(user, data=form.theme_input()),
        update=lambda user, obj, revision: services.update_theme(
            user, theme=obj, expected_revision=revision, data=form.theme_input()
        ),
        template="editorial/theme_form.html",
        name="theme",
        saved=lambda form: f"Theme “{form.cleaned_data['name']}” saved.",
        back="theme-list",
    )


@allowed(permissions.can_edit_proposal)
def theme_delete(request, pk: int):
    theme: WithAnnotations[Theme, _Usage] = get_object_or_404(
        Theme.objects.annotate(proposal_count=Count("proposals")), pk=pk
    )
    return _reference_data_delete(
        request,
        theme,
        delete=lambda user, obj, revision: services.delete_theme(
            user, theme=obj, expected_revision=revision
        ),
        what=f"the theme “{theme.name}”",
        consequence=f"It is taken off the {theme.proposal_count} proposal(s) that have it; "
        "each gets a new version and a history record.",
        deleted=lambda untagged: f"Theme “{theme.name}” deleted; taken off {untagged} proposal(s).",
        back="theme-list",
        again=reverse("theme-delete", kwargs={"pk": pk}),
    )


def _links():
    return ProposalLink.objects.select_related("from_proposal", "to_proposal")


@allowed(permissions.can_edit_proposal)
def link_list(request):
    return render(request, "editorial/link_list.html", {"links": _links()})


@allowed(permissions.can_edit_proposal)
def link_edit(request, pk: int | None = None):
    link = get_object_or_404(_links(), pk=pk) if pk is not None else None
    if link is not None:
        initial = ProposalLinkForm.initial_for(link)
    else:
        initial = {"from_proposal": request.GET.get("from", "")}
    form = ProposalLinkForm(request.POST if request.method == "POST" else None, initial=initial)
    return _reference_data_form(
        request,
        link,
        form,
        create=lambda user: services.create_link(user, data=form.link_input()),
        update=lambda user, obj, revision: services.update_link(
            user, link=obj, expected_revision=revision, data=form.link_input()
        ),
        template="editorial/link_form.html",
        name="link",
        saved=lambda form: "Link saved.",
        back="link-list",
    )


@allowed(permissions.can_edit_proposal)
def link_delete(request, pk: int):
    link = get_object_or_404(_links(), pk=pk)
    return _reference_data_delete(
        request,
        link,
        delete=lambda user, obj, revision: services.delete_link(
            user, link=obj, expected_revision=revision
        ),
        what=f"the link {link}",
        consequence="",
        deleted=lambda _outcome: f"Link {link} deleted.",
        back="link-list",
        again=reverse("link-delete", kwargs={"pk": pk}),
    )
