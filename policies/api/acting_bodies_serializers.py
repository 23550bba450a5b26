"""Acting bodies in the API: as editors read them (with the ``version`` their
ETag covers) and as they write them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .. import services
from ..models import ActingBody
from ..services.validation import max_length


class EditableActingBodySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    kind = serializers.ChoiceField(choices=ActingBody.Kind.choices)
    version = serializers.IntegerField(help_text="Claimed by every change.")


class ActingBodyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=max_length(ActingBody, "name"))
    kind = serializers.ChoiceField(choices=ActingBody.Kind.choices)
    slug = serializers.SlugField(
        max_length=max_length(ActingBody, "slug"),
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank or absent: made from the name (a rename keeps the old slug).",
    )

    def to_input(self) -> services.ActingBodyInput:
        data = self.validated_data
        return services.ActingBodyInput(name=data["name"], kind=data["kind"], slug=data["slug"])


class MergeInputSerializer(serializers.Serializer):
    into = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=ActingBody.objects.all(),
        help_text="The body to keep, by slug; every status update naming this one moves to it.",
    )


def body_data(body: ActingBody) -> dict[str, Any]:
    return {
        "id": body.pk,
        "name": body.name,
        "slug": body.slug,
        "kind": body.kind,
        "version": body.version,
    }


class MergeResultSerializer(serializers.Serializer):
    merged = serializers.SlugField(help_text="The slug of the merged body (now removed).")
    moved_updates = serializers.IntegerField(
        help_text="Status updates that now name the kept body."
    )
    kept = EditableActingBodySerializer()
