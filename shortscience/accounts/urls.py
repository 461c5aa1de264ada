from django.urls import path

from shortscience.accounts import views

app_name = "accounts"
urlpatterns = [
    # the member's own settings
    path("settings", views.settings_page, name="settings"),
    path("settings/tokens", views.create_token, name="create_token"),
    path("settings/tokens/<int:token_pk>/revoke", views.revoke_token, name="revoke_token"),
    # author claims
    path("paper/<int:paper_pk>/authors/claim", views.claim, name="claim"),
]
