from __future__ import annotations

from django import forms

from shortscience.notifications.models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = [*NotificationSettings.KIND_FIELDS, "email_mode"]
        widgets = {"email_mode": forms.RadioSelect}
        labels = {"email_mode": "Email me"}
