from django.urls import path

from shortscience.accounts import views

app_name = "accounts"
urlpatterns = [
    # the member's own settings
    path("settings", views.settings_page, name="settings"),
    # author claims
    path("paper/<int:paper_pk>/authors/claim", views.claim, name="claim"),
]
