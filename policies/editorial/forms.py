"""Forms for campaigners' and editors' pages.  They validate input; the rules
live in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.forms.renderers import DjangoTemplates
from django.template import loader

from evidence.models import Evidence

from .. import services
from ..models import ActingBody, DatePrecision, Proposal, ProposalLink, Status, Theme
from ..services.validation import max_length

# Validation: the largest id or version the databases store (a signed 64-bit integer).
MAX_INTEGER = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Validation: Django's, but an id past 64 bits is an invalid choice, not an
    ``OverflowError`` (SQLite cannot bind it in ``pk IN (...)``)."""

    def clean(self, value: Any) -> Any:
        for item in value or ():
            text = str(item).strip().removeprefix("-")
            if text.isascii() and text.isdigit() and int(text) > MAX_INTEGER:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super().clean(value)


class EditorialRenderer(DjangoTemplates):
    """Django's form renderer, but the editorial form templates come from the
    project's templates/ (Django's own engine knows only its widgets')."""

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith("editorial/"):
            return loader.get_template(template_name)
        return super().get_template(template_name)


class EditorialForm(forms.Form):
    """The editorial design system: ``{{ form }}``, ``as_p`` and ``as_div`` all
    draw labels above inputs with help and inline errors
    (templates/editorial/forms/); templates/editorial/_form_errors.html draws
    the error summary of any form."""

    default_renderer = EditorialRenderer()
    template_name = "editorial/forms/form.html"
    template_name_div = "editorial/forms/form.html"
    template_name_p = "editorial/forms/form.html"


class DateInput(forms.DateInput):
    """An HTML date input: its value must be ISO (YYYY-MM-DD) whatever the locale,
    or the browser shows it empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%d")


class StatusUpdateForm(EditorialForm):
    # Drafting rules: no default status; the campaigner chooses (services check it too).
    status = forms.ChoiceField(
        choices=[("", "Choose a status…"), *Status.choices],
        help_text="There is no default: choose what the sources show.",
        error_messages={"required": "Choose a status: there is no default."},
    )
    effective_date = forms.DateField(
        label="Date it happened",
        widget=DateInput,
        help_text="When it happened in the world; for a month or a year, any day in it "
        "with the precision below.",
        error_messages={"required": "Enter the date it happened."},
    )
    date_precision = forms.ChoiceField(
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        help_text="How precisely the date is known.",
    )
    acting_bodies = ModelMultipleChoiceField(
        queryset=ActingBody.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Who acted.",
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Why this status: at least {services.MIN_RATIONALE_LENGTH} characters "
        "to submit it for review.",
        error_messages={"required": "Say why: the rationale is required."},
    )
    evidence = ModelMultipleChoiceField(
        queryset=Evidence.objects.filter(replaced_by__isnull=True).order_by("title"),
        required=False,
        label="Sources from the library",
        widget=forms.CheckboxSelectMultiple,
        help_text="Every status but “Not yet assessed” needs at least one source: choose "
        "one here or add a new one below.",
    )
    # "Version" is not shown: each save makes a new version; editors publish a version.
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_INTEGER
    )

    def update_input(self, new_sources: list[Evidence]) -> services.UpdateInput:
        data = self.cleaned_data
        return services.UpdateInput(
            status=data["status"],
            effective_date=data["effective_date"],
            date_precision=data["date_precision"],
            rationale=data["rationale"],
            acting_bodies=list(data["acting_bodies"]),
            evidence=list(data["evidence"]) + new_sources,
        )

    @classmethod
    def initial_for(cls, update) -> dict:
        return {
            "status": update.status,
            "effective_date": update.effective_date,
            "date_precision": update.date_precision,
            "acting_bodies": list(update.acting_bodies.all()),
            "rationale": update.rationale,
            "evidence": [e for e in update.evidence.all() if e.replaced_by_id is None],
            "version": update.version,
        }


class EvidenceForm(EditorialForm):
    """One source, new or edited.  A URL the library already has is reused."""

    # Validation: limits are the model's (policies.services.validation).
    url = forms.URLField(label="URL", max_length=max_length(Evidence, "url"), assume_scheme="https")
    title = forms.CharField(max_length=max_length(Evidence, "title"))
    publisher = forms.CharField(max_length=max_length(Evidence, "publisher"))
    # A blank first choice, so that an untouched extra source form stays empty.
    kind = forms.ChoiceField(choices=[("", "---------"), *Evidence.Kind.choices])
    published_date = forms.DateField(label="Published", widget=DateInput)
    accessed_date = forms.DateField(label="Accessed", widget=DateInput, required=False)
    archived_url = forms.URLField(
        label="Archived copy",
        max_length=max_length(Evidence, "archived_url"),
        required=False,
        assume_scheme="https",
    )
    quote = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    page = forms.CharField(max_length=max_length(Evidence, "page"), required=False)
    # Watch: not a field of the source; the view queues the request (views/watch.py).
    archive_copy = forms.BooleanField(
        label="Ask a web archive to keep a copy",
        required=False,
        help_text="The Wayback Machine is asked to save the page now, and its copy is "
        "offered on public pages if the link ever breaks.",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_INTEGER
    )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if not self.errors:
            # Validation: the services' own check (the API's and the CSV import's too).
            for name, problems in self.evidence_input().problems().items():
                for problem in problems:
                    self.add_error(name if name in self.fields else None, problem)
        return cleaned

    def evidence_input(self) -> services.EvidenceInput:
        return services.EvidenceInput.from_cleaned(self.cleaned_data)

    @classmethod
    def initial_for(cls, evidence: Evidence) -> dict:
        fields = [name for name in cls.base_fields if name not in ("version", "archive_copy")]
        return {name: getattr(evidence, name) for name in fields} | {"version": evidence.version}


NewEvidenceFormSet = formset_factory(EvidenceForm, extra=2, max_num=10, validate_max=True)


class ReturnForm(EditorialForm):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="What the author should change."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)


class VersionForm(EditorialForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)


class ImportForm(EditorialForm):
    MODE_CHOICES = [
        ("draft", "Create drafts for review"),
        ("publish", "Publish at once (same rules as publishing by hand)"),
    ]
    file = forms.FileField(label="CSV file", help_text="UTF-8, with the template's header.")
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial="draft", widget=forms.RadioSelect)


# --- Themes and links (editors) ------------------------------------------------------


class ProposalThemesForm(EditorialForm):
    """A proposal's themes.  Its text is not here: only ``load_papers`` changes it."""

    themes = ModelMultipleChoiceField(
        queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)


class ThemeForm(EditorialForm):
    slug = forms.SlugField(
        max_length=max_length(Theme, "slug"),
        help_text="Used in addresses such as /proposals/?theme=policing.",
    )
    name = forms.CharField(max_length=max_length(Theme, "name"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_INTEGER
    )

    def theme_input(self) -> services.ThemeInput:
        data = self.cleaned_data
        return services.ThemeInput(data["slug"], data["name"], data.get("description", ""))

    @classmethod
    def initial_for(cls, theme: Theme) -> dict:
        return {
            "slug": theme.slug,
            "name": theme.name,
            "description": theme.description,
            "version": services.revision_of(theme),
        }


class _ProposalChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Proposal) -> str:
        text = obj.text if len(obj.text) <= 90 else obj.text[:89] + "…"
        return f"{obj.reference}: {text}"


def _proposal_field(paper: int, label: str) -> _ProposalChoice:
    return _ProposalChoice(
        queryset=Proposal.objects.filter(paper__number=paper).select_related("paper"),
        to_field_name="reference",
        label=label,
        error_messages={
            "invalid_choice": f"Choose a proposal of paper {paper} (its reference starts {paper}-)."
        },
    )


class ProposalLinkForm(EditorialForm):
    from_proposal = _proposal_field(services.LINK_FROM_PAPER, "From (paper 118)")
    to_proposal = _proposal_field(services.LINK_TO_PAPER, "To (paper 138)")
    link_type = forms.ChoiceField(choices=ProposalLink.LinkType.choices, label="Type")
    note = forms.CharField(
        max_length=max_length(ProposalLink, "note"),
        help_text="One line: how paper 138 treated the 118 proposal.",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_INTEGER
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if "\n" in note or "\r" in note:
            raise forms.ValidationError("The note is one line.")
        return note

    def link_input(self) -> services.LinkInput:
        data = self.cleaned_data
        return services.LinkInput(
            data["from_proposal"], data["to_proposal"], data["link_type"], data["note"]
        )

    @classmethod
    def initial_for(cls, link: ProposalLink) -> dict:
        return {
            "from_proposal": link.from_proposal.reference,
            "to_proposal": link.to_proposal.reference,
            "link_type": link.link_type,
            "note": link.note,
            "version": services.revision_of(link),
        }
