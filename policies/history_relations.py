"""Related lists (a proposal's themes, an update's bodies and sources) as they
stood in each history record, named, in two queries per list whatever the
number of records: the history pages show them before and after like any field."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from .services.concurrency import Historied


def related_labels(model: type[Historied], history_ids: list[int]) -> dict[int, dict[str, str]]:
    """``{history_id: {field name: "label, label"}}`` for ``model``'s tracked lists."""
    snapshots: dict[int, dict[str, str]] = {hid: {} for hid in history_ids}
    for field in getattr(model.history.model, "_history_m2m_fields", []):
        through = HistoricalRecords.m2m_models[field]
        target = field.m2m_reverse_field_name()
        rows = list(
            through.objects.filter(history_id__in=history_ids).values_list(
                "history_id", f"{target}_id"
            )
        )
        names = field.related_model.objects.in_bulk({pk for _, pk in rows})
        labels: dict[int, list[str]] = defaultdict(list)
        for history_id, pk in rows:
            labels[history_id].append(str(names[pk]) if pk in names else f"deleted #{pk}")
        for history_id in history_ids:
            snapshots[history_id][field.name] = ", ".join(sorted(labels[history_id])) or "—"
    return snapshots
