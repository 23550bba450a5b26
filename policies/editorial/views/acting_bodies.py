"""Editors' acting bodies: list, add, rename, merge (versioned, with history)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ... import permissions, services
from ...models import ActingBody
from ...services.validation import max_length
from ..access import allowed
from ..forms import MAX_INTEGER, EditorialForm
from ..refusals import attempt_on_form, form_status


class ActingBodyForm(EditorialForm):
    name = forms.CharField(max_length=max_length(ActingBody, "name"))
    kind = forms.ChoiceField(choices=ActingBody.Kind.choices)
    slug = forms.SlugField(
        max_length=max_length(ActingBody, "slug"),
        required=False,
        help_text="Used in imports and addresses; blank makes one from the name "
        "(a rename keeps the old slug unless you give a new one).",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_INTEGER
    )

    def body_input(self) -> services.ActingBodyInput:
        data = self.cleaned_data
        return services.ActingBodyInput(name=data["name"], kind=data["kind"], slug=data["slug"])


class MergeForm(EditorialForm):
    kept = forms.ModelChoiceField(
        queryset=ActingBody.objects.all(),
        label="Keep this body",
        help_text="Every status update naming the merged body will name this one instead.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)
    kept_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_INTEGER
    )

    def __init__(self, *args, merged: ActingBody, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kept = self.fields["kept"]
        assert isinstance(kept, forms.ModelChoiceField)
        kept.queryset = ActingBody.objects.exclude(pk=merged.pk)


@allowed(permissions.can_edit_proposal)
def acting_body_list(request: HttpRequest) -> HttpResponse:
    bodies = ActingBody.objects.annotate(update_count=Count("status_updates"))
    return render(request, "editorial/acting_body_list.html", {"bodies": bodies})


@allowed(permissions.can_edit_proposal)
def acting_body_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    body = get_object_or_404(ActingBody, pk=pk) if pk is not None else None
    initial = (
        {"name": body.name, "kind": body.kind, "slug": body.slug, "version": body.version}
        if body is not None
        else {"name": request.GET.get("name", "")[:200], "kind": ActingBody.Kind.OTHER}
    )
    form = ActingBodyForm(request.POST if request.method == "POST" else None, initial=initial)
    attempt = None
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version") or 0
        attempt = attempt_on_form(
            form,
            lambda: (
                services.create_acting_body(request.user, data=form.body_input())
                if body is None
                else services.update_acting_body(
                    request.user, body=body, expected_version=version, data=form.body_input()
                )
            ),
        )
        if attempt.ok:
            messages.success(request, f"Acting body “{form.cleaned_data['name']}” saved.")
            return redirect("acting-body-list")
    return render(
        request,
        "editorial/acting_body_form.html",
        {"body": body, "form": form, "conflict": attempt.conflict if attempt else None},
        status=form_status(request, attempt),
    )


@allowed(permissions.can_edit_proposal)
def acting_body_merge(request: HttpRequest, pk: int) -> HttpResponse:
    merged = get_object_or_404(ActingBody, pk=pk)
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        merged=merged,
        initial={"version": merged.version},
    )
    attempt = None
    if request.method == "POST" and form.is_valid():
        kept = form.cleaned_data["kept"]
        kept_version = form.cleaned_data.get("kept_version") or kept.version
        attempt = attempt_on_form(
            form,
            lambda: services.merge_acting_bodies(
                request.user,
                merged=merged,
                merged_version=form.cleaned_data["version"],
                kept=kept,
                kept_version=kept_version,
            ),
            with_message=True,
        )
        if attempt.ok:
            messages.success(
                request,
                f"“{merged.name}” merged into “{kept.name}”: {attempt.result} status "
                "update(s) now name it.",
            )
            return redirect("acting-body-list")
    return render(
        request,
        "editorial/acting_body_merge.html",
        {
            "body": merged,
            "update_count": merged.status_updates.count(),
            "form": form,
            "conflict": attempt.conflict if attempt else None,
        },
        status=form_status(request, attempt),
    )
