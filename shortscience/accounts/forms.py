from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth import get_user_model

from shortscience.accounts.names import validate_display_name
from shortscience.accounts.orcid import normalize_orcid

# Named like a field a form-filling bot cannot resist; people never see it (CSS hides it).
HONEYPOT_FIELD = "website"


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form plus a honeypot: a field people never see, so only a bot fills it."""

    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        cleaned = super().clean()
        if self.data.get(HONEYPOT_FIELD, ""):
            # Generic on purpose: a bot learns nothing about which check it failed.
            raise forms.ValidationError("We could not create this account. Please try again.")
        return cleaned


class SettingsForm(forms.ModelForm):
    orcid = forms.CharField(
        label="ORCID iD",
        required=False,
        max_length=60,
        help_text="Like 0000-0002-1825-0097 or https://orcid.org/0000-0002-1825-0097.",
    )

    class Meta:
        model = get_user_model()
        fields = ["display_name", "bio", "orcid"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"display_name": "Shown on your signed summaries and comments."}

    def clean_display_name(self) -> str:
        name = self.cleaned_data["display_name"]
        validate_display_name(name, user=self.instance)
        return name

    def clean_orcid(self) -> str:
        text = self.cleaned_data["orcid"].strip()
        if not text:
            return ""
        try:
            return normalize_orcid(text)
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None


class DeleteAccountForm(forms.Form):
    KEEP, DELETE = "keep", "delete"
    content = forms.ChoiceField(
        choices=[
            (KEEP, "Keep my summaries and comments, without my name"),
            (DELETE, "Delete my summaries and comments"),
        ],
        widget=forms.RadioSelect,
        label="What happens to what I wrote",
    )
    confirm = forms.CharField(
        label="Your password, or your username if you have no password",
        widget=forms.PasswordInput,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm(self) -> str:
        text = self.cleaned_data["confirm"]
        if self.user.has_usable_password():
            if not self.user.check_password(text):
                raise forms.ValidationError("That is not your password.")
        elif text.strip() != self.user.username:
            raise forms.ValidationError("Type your username exactly to confirm.")
        return text


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text='What the token is for, so that you know which to revoke ("my notes script").',
    )
    scope = forms.ChoiceField(
        choices=[
            ("read", "Read: the API as you see the site"),
            ("write", "Read and write: add papers, post and edit summaries, comment, vote"),
        ],
        initial="read",
        widget=forms.RadioSelect,
    )
