from django.urls import path

from shortscience.discovery import feeds, reading, views

app_name = "discovery"
urlpatterns = [
    # browsing
    path("venues", views.venues, name="venues"),
    path("venues/<path:key>", views.venue, name="venue"),
    path("venue", views.venue_legacy, name="venue_legacy"),
    # path: a BibTeX keyword may hold a slash ("I/O")
    path("keyword/<path:name>", views.keyword, name="keyword"),
    path("author/<int:pk>", views.author, name="author_by_id"),
    path("author/<int:pk>/<str:slug>", views.author, name="author"),
    path("year/<int:year>", views.year, name="year"),
    path("random", views.random_summary, name="random"),
    path("wanted", views.wanted, name="wanted"),
    path("badge/<path:key>.svg", views.badge, name="badge"),
    # feeds
    path("feed.atom", feeds.SiteFeed(), name="feed"),
    path("rss.xml", feeds.SiteFeed(), name="legacy_feed"),
    path("feeds/paper/<int:pk>", feeds.PaperFeed(), name="paper_feed"),
    path("feeds/venue", views.venue_feed_legacy, name="venue_feed_legacy"),
    path("feeds/venue/<path:key>", feeds.VenueFeed(), name="venue_feed"),
    path("feeds/keyword/<path:names>", feeds.KeywordFeed(), name="keyword_feed"),
    path("feeds/user/<str:username>", feeds.UserFeed(), name="user_feed"),
    # BibTeX
    path("paper/<int:pk>/bibtex", views.paper_bibtex, name="paper_bibtex"),
    path("venue/bibtex", views.venue_bibtex, name="venue_bibtex"),
    # for machines
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    path("sitemap-<str:section>.xml", views.sitemap_section, name="sitemap_section"),
    path("robots.txt", views.robots, name="robots"),
    # reading: after /paper/<id>/bibtex, which would otherwise read as a slug
    path("paper/<int:pk>/<str:slug>", reading.paper, name="paper"),
    path("summary/<int:pk>", reading.summary, name="summary"),
]
