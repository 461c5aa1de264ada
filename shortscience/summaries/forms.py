from __future__ import annotations

from django import forms

from shortscience.summaries import services
from shortscience.summaries.models import Summary


class SummaryForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 20, "class": "editor-input", "spellcheck": "true"}),
        label="Summary (Markdown with LaTeX math)",
    )
    visibility = forms.ChoiceField(
        choices=Summary.Visibility.choices, initial=Summary.Visibility.PUBLIC
    )
    is_anonymous = forms.BooleanField(required=False, label="Publish anonymously")

    def clean_body(self) -> str:
        # The service's own check, so the form and every other writer refuse the same texts.
        return services.validate_body(self.cleaned_data["body"])
