"""Forms for campaigners' and editors' pages.  They validate input; the rules
live in ``services``."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory

from evidence.models import Evidence

from .. import services
from ..models import ActingBody, DatePrecision, Proposal, ProposalLink, Status, Theme


class DateInput(forms.DateInput):
    input_type = "date"


class StatusUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    effective_date = forms.DateField(
        label="Date it happened", widget=DateInput, help_text="When it happened in the world."
    )
    date_precision = forms.ChoiceField(
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        help_text="How precisely the date is known.",
    )
    acting_bodies = forms.ModelMultipleChoiceField(
        queryset=ActingBody.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Who acted.",
    )
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    evidence = forms.ModelMultipleChoiceField(
        queryset=Evidence.objects.filter(replaced_by__isnull=True).order_by("title"),
        required=False,
        label="Sources from the library",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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


class EvidenceForm(forms.Form):
    """One source, new or edited.  A URL the library already has is reused."""

    url = forms.URLField(label="URL", max_length=1000, assume_scheme="https")
    title = forms.CharField(max_length=500)
    publisher = forms.CharField(max_length=300)
    # A blank first choice, so that an untouched extra source form stays empty.
    kind = forms.ChoiceField(choices=[("", "---------"), *Evidence.Kind.choices])
    published_date = forms.DateField(label="Published", widget=DateInput)
    accessed_date = forms.DateField(label="Accessed", widget=DateInput, required=False)
    archived_url = forms.URLField(
        label="Archived copy", max_length=1000, required=False, assume_scheme="https"
    )
    quote = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    page = forms.CharField(max_length=50, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def evidence_input(self) -> services.EvidenceInput:
        return services.EvidenceInput.from_cleaned(self.cleaned_data)

    @classmethod
    def initial_for(cls, evidence: Evidence) -> dict:
        fields = [name for name in cls.base_fields if name != "version"]
        return {name: getattr(evidence, name) for name in fields} | {"version": evidence.version}


NewEvidenceFormSet = formset_factory(EvidenceForm, extra=2, max_num=10, validate_max=True)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="What the author should change."
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ImportForm(forms.Form):
    MODE_CHOICES = [
        ("draft", "Create drafts for review"),
        ("publish", "Publish at once (same rules as publishing by hand)"),
    ]
    file = forms.FileField(label="CSV file", help_text="UTF-8, with the template's header.")
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial="draft", widget=forms.RadioSelect)


# --- Themes and links (editors) ------------------------------------------------------


class ProposalThemesForm(forms.Form):
    """A proposal's themes.  Its text is not here: only ``load_papers`` changes it."""

    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ThemeForm(forms.Form):
    slug = forms.SlugField(
        max_length=80, help_text="Used in addresses such as /proposals/?theme=policing."
    )
    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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


class ProposalLinkForm(forms.Form):
    from_proposal = _proposal_field(services.LINK_FROM_PAPER, "From (paper 118)")
    to_proposal = _proposal_field(services.LINK_TO_PAPER, "To (paper 138)")
    link_type = forms.ChoiceField(choices=ProposalLink.LinkType.choices, label="Type")
    note = forms.CharField(
        max_length=300, help_text="One line: how paper 138 treated the 118 proposal."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
