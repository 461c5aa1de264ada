"""sitemap.xml: an index of one sitemap per section, each paginated by Django.

Only pages worth a search engine's visit: papers with a public summary (the others say
noindex), venues with one, and members with public signed summaries.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from shortscience.discovery.queries import summarised_venues
from shortscience.papers.models import Paper
from shortscience.summaries.models import public_q


class _OnSiteRoot(Sitemap):
    # Well under the protocol's 50,000 URLs (and 50 MB) per file.
    limit = 10_000

    def get_domain(self, site=None) -> str:
        # SITE_ROOT, not the Sites framework's domain: the same root as feeds and e-mails.
        return urlsplit(settings.SITE_ROOT).netloc

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_ROOT).scheme or "https"


class PaperSitemap(_OnSiteRoot):
    def items(self):
        return Paper.objects.summarised().only("pk", "slug", "last_summary").order_by("pk")

    def location(self, paper) -> str:
        return paper.get_absolute_url()

    def lastmod(self, paper):
        return paper.last_summary


class VenueSitemap(_OnSiteRoot):
    def items(self):
        return summarised_venues().only("pk", "key").order_by("pk")

    def location(self, venue) -> str:
        return reverse("discovery:venue", args=[venue.key])

    def lastmod(self, venue):
        return venue.last_summary


class UserSitemap(_OnSiteRoot):
    def items(self):
        return (
            get_user_model()
            .objects.filter(public_q("summaries__"), is_active=True, summaries__is_anonymous=False)
            # After the filter: the newest of the public signed summaries only.
            .annotate(last_summary=Max("summaries__edited"))
            .only("pk", "username")
            .order_by("pk")
        )

    def location(self, user) -> str:
        return reverse("members:profile", args=[user.username])

    def lastmod(self, user):
        return user.last_summary


SITEMAPS = {"papers": PaperSitemap, "venues": VenueSitemap, "users": UserSitemap}
