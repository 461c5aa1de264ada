from django.urls import path

from shortscience.groups import feeds, views

app_name = "groups"
urlpatterns = [
    path("groups", views.directory, name="directory"),
    path("groups/new", views.new, name="new"),
    path("groups/posts/<int:pk>/delete", views.post_delete, name="post_delete"),
    path("groups/<slug:slug>", views.detail, name="detail"),
    path("groups/<slug:slug>/edit", views.edit, name="edit"),
    path("groups/<slug:slug>/delete", views.delete, name="delete"),
    path("groups/<slug:slug>/invitation", views.new_invitation, name="new_invitation"),
    path("groups/<slug:slug>/join", views.join, name="join"),
    path("groups/<slug:slug>/join/<str:key>", views.invitation, name="invitation"),
    path("groups/<slug:slug>/leave", views.leave, name="leave"),
    path("groups/<slug:slug>/members/<int:pk>", views.member, name="member"),
    path("groups/<slug:slug>/meetings/new", views.meeting_new, name="meeting_new"),
    path("groups/<slug:slug>/meetings/<int:pk>", views.meeting, name="meeting"),
    path("groups/<slug:slug>/meetings/<int:pk>/edit", views.meeting_edit, name="meeting_edit"),
    path(
        "groups/<slug:slug>/meetings/<int:pk>/cancel", views.meeting_cancel, name="meeting_cancel"
    ),
    path("groups/<slug:slug>/meetings/<int:pk>/posts", views.post, name="post"),
    path("groups/<slug:slug>/calendar.ics", views.calendar_feed, name="calendar"),
    path(
        "groups/<slug:slug>/calendar/<str:key>.ics",
        views.calendar_feed,
        name="member_calendar",
    ),
    path("groups/<slug:slug>/feed.atom", feeds.GroupFeed(), name="feed"),
]
