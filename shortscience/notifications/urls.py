from django.urls import path

from shortscience.notifications import views

app_name = "notifications"
urlpatterns = [
    path("inbox", views.inbox, name="inbox"),
    path("inbox/read", views.mark_all_read, name="mark_all_read"),
    path("follow/<str:kind>/<int:pk>", views.follow, name="follow"),
    path("unfollow/<str:kind>/<int:pk>", views.unfollow, name="unfollow"),
    path("request/<int:pk>", views.request_summary, name="request"),
    path("request/<int:pk>/withdraw", views.withdraw_request, name="withdraw_request"),
    path("settings/notifications", views.preferences, name="settings"),
    path("unsubscribe/done", views.unsubscribed, name="unsubscribed"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
]
