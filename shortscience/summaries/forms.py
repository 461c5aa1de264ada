from __future__ import annotations

from django import forms
from django.conf import settings

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
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        if len(body) > settings.SUMMARY_MAX_CHARS:
            raise forms.ValidationError(
                f"A summary can be at most {settings.SUMMARY_MAX_CHARS:,} characters; "
                f"this one has {len(body):,}."
            )
        return body
