"""One code for every spelling of an area.

Each source spells forces its own way ("Metropolitan Police", "metropolitan",
"E23000001", "Devon & Cornwall"); everything is joined on the ONS geocode.
The spellings live in evidence/data/areas.yaml and, once loaded, in
``AreaAlias`` rows, so an editor can add one in the admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

AREAS_FILE = Path(__file__).resolve().parent / "data" / "areas.yaml"
NATIONAL_CODE = "E92+W92"
_NOISE_WORDS = {"police", "constabulary", "service", "force"}


class UnknownArea(Exception):
    pass


def normalise(spelling: str) -> str:
    """Lower case, "&" → "and", punctuation and the words police/constabulary/
    service/force dropped: "Avon & Somerset Constabulary" → "avon and somerset"."""
    text = str(spelling).lower().replace("&", " and ")
    words = re.sub(r"[^a-z0-9+]+", " ", text).split()
    kept = [w for w in words if w not in _NOISE_WORDS]
    return " ".join(kept or words)


def read_file(path: Path = AREAS_FILE) -> dict:
    return yaml.safe_load(path.read_text())


@dataclass
class AreaLookup:
    codes: dict[str, str]  # normalised spelling or code → code
    not_areas: set[str] = field(default_factory=set)  # normalised
    names: dict[str, str] = field(default_factory=dict)  # code → name

    @classmethod
    def from_db(cls) -> AreaLookup:
        from .models import Area, AreaAlias

        codes: dict[str, str] = {}
        names: dict[str, str] = {}
        for code, name in Area.objects.values_list("code", "name"):
            codes[code.lower()] = code
            codes[normalise(name)] = code
            names[code] = name
        for spelling, code in AreaAlias.objects.values_list("spelling", "area__code"):
            codes[spelling] = code
        not_areas = {normalise(s) for s in read_file().get("not_areas", [])}
        return cls(codes=codes, not_areas=not_areas, names=names)

    @property
    def force_codes(self) -> set[str]:
        return {code for code in self.names if code != NATIONAL_CODE}

    def resolve(self, spelling: object) -> str | None:
        """The area's code; None for a body that is not an area (BTP, Action
        Fraud); ``UnknownArea`` for a spelling nobody has seen."""
        raw = str(spelling).strip()
        if raw.lower() in self.codes:
            return self.codes[raw.lower()]
        key = normalise(raw)
        if key in self.codes:
            return self.codes[key]
        if key in self.not_areas:
            return None
        raise UnknownArea(f"unknown area {raw!r}: add the spelling to evidence/data/areas.yaml")


def spellings_for(entry: dict) -> set[str]:
    found = {normalise(entry["name"])}
    if entry.get("police_api"):
        found.add(normalise(entry["police_api"]))
    found.update(normalise(alias) for alias in entry.get("aliases", []))
    return found


@transaction.atomic
def load_areas(path: Path = AREAS_FILE) -> dict[str, int]:
    """Create or update every area and its spellings; idempotent."""
    from .models import Area, AreaAlias

    data = read_file(path)
    entries = [(data["national"], Area.Kind.NATIONAL)] + [
        (force, Area.Kind.FORCE) for force in data["forces"]
    ]
    seen: dict[str, str] = {}
    for entry, _kind in entries:
        for spelling in spellings_for(entry):
            if seen.setdefault(spelling, entry["code"]) != entry["code"]:
                raise ValueError(
                    f"spelling {spelling!r} names both {seen[spelling]} and {entry['code']}"
                )
    counts = {"areas_created": 0, "aliases_created": 0}
    existing = {a.code: a for a in Area.objects.all()}
    aliases = dict(AreaAlias.objects.values_list("spelling", "area__code"))
    for entry, kind in entries:
        area = existing.get(entry["code"])
        if area is None:
            area = Area.objects.create(code=entry["code"], name=entry["name"], kind=kind)
            counts["areas_created"] += 1
        elif (area.name, area.kind) != (entry["name"], kind):
            area.name, area.kind = entry["name"], kind
            area.save(update_fields=["name", "kind"])
        for spelling in spellings_for(entry):
            if aliases.get(spelling) == area.code:
                continue
            AreaAlias.objects.update_or_create(spelling=spelling, defaults={"area": area})
            counts["aliases_created"] += 1
    return counts
