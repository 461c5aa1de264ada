from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone


class User(AbstractUser):
    """A member. `username` is the public handle used in URLs (/user?name=...)."""

    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(blank=True)
    orcid = models.CharField("ORCID iD", max_length=19, blank=True)
    # Net votes older than two days on public, signed work; recomputed, never counted live.
    reputation = models.IntegerField(default=0, db_index=True)
    # A ban is public (logged) and blocks log-in and posting; there are no shadow bans.
    banned_at = models.DateTimeField(null=True, blank=True)
    ban_reason = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class TokenBucket(models.Model):
    """A rate limit: `capacity` actions, refilled evenly over `seconds`, per named key.

    Stored in the database (not the per-process cache) so that every app server of a
    site shares one bucket per user or IP.
    """

    key = models.CharField(max_length=200, unique=True)
    tokens = models.FloatField()
    updated = models.DateTimeField()

    def __str__(self) -> str:
        return self.key

    @classmethod
    def authorize(cls, key: str, capacity: int, seconds: int) -> bool:
        return cls.take(key, capacity, seconds)[0]

    @classmethod
    def take(
        cls, key: str, capacity: float, seconds: int, amount: float = 1, *, debt: bool = False
    ) -> tuple[bool, float]:
        """Spend `amount` if the bucket holds it: (allowed, what is left in the bucket after).

        With `debt`, spend it anyway, below zero if need be: for a cost known only once the
        work is done (the CPU time of a render), which the next action then waits out.
        """
        now = timezone.now()
        with transaction.atomic():
            # select_for_update serializes concurrent requests for the same key on
            # PostgreSQL; SQLite runs writers one at a time anyway (IMMEDIATE transactions).
            bucket, created = cls.objects.select_for_update().get_or_create(
                key=key, defaults={"tokens": capacity, "updated": now}
            )
            if not created:
                bucket.tokens = cls._refilled(bucket, now, capacity, seconds)
                bucket.updated = now
            allowed = debt or bucket.tokens >= amount
            if allowed:
                bucket.tokens -= amount
            bucket.save(update_fields=["tokens", "updated"])
            return allowed, bucket.tokens

    @classmethod
    def level(cls, key: str, capacity: float, seconds: int) -> float:
        """What the bucket holds now (a full one if it was never used), changing nothing."""
        bucket = cls.objects.filter(key=key).first()
        if bucket is None:
            return capacity
        return cls._refilled(bucket, timezone.now(), capacity, seconds)

    @staticmethod
    def _refilled(bucket: TokenBucket, now, capacity: float, seconds: int) -> float:
        elapsed = (now - bucket.updated).total_seconds()
        return min(capacity, bucket.tokens + elapsed * capacity / seconds)


class AuthorClaim(models.Model):
    """A member's claim to be an author of a paper: approved by an ORCID works match or a
    moderator. Approved claimants are told about new summaries of their paper."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Method(models.TextChoices):
        ORCID = "orcid", "ORCID works match"
        MODERATOR = "moderator", "Moderator approval"

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="claims")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="claim_one_per_user_per_paper")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} claims paper {self.paper_id} ({self.status})"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def authenticate(self, raw: str) -> ApiToken | None:
        """The live token `raw` is, with its member, or None: revoked tokens and tokens of
        a banned or deactivated member open nothing."""
        token = (
            self.active()
            .select_related("user")
            .filter(digest=ApiToken.digest_of(raw), user__is_active=True, user__banned_at=None)
            .first()
        )
        return token


class ApiToken(models.Model):
    """A personal access token for the API: `Authorization: Bearer <token>`.

    Only a SHA-256 of the token is stored (the token is 256 random bits, so a plain hash is
    as strong as a slow one and costs nothing per request); the member sees it once, when
    it is made, and afterwards only its first characters, to tell tokens apart."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    PREFIX = "ss_"

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    digest = models.CharField(max_length=64, unique=True)
    shown_prefix = models.CharField(max_length=12)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_prefix}...)"

    @staticmethod
    def new_secret() -> str:
        return ApiToken.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
