from __future__ import annotations

from django import forms

MAX_PASTE = 1_000_000


class AddPaperForm(forms.Form):
    q = forms.CharField(
        label="arXiv id, DOI, DBLP key, OpenReview or ShortScience link, or BibTeX",
        max_length=MAX_PASTE,
        widget=forms.Textarea(attrs={"rows": 6, "class": "editor-input", "autofocus": True}),
    )
