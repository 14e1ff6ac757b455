"""Users, their role in the CCHC work, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Cán bộ đầu mối CCHC")
    HEAD = "head", _("Lãnh đạo cơ quan")
    COORDINATOR = "coordinator", _("Cơ quan thường trực CCHC")
    APPRAISER = "appraiser", _("Thành viên tổ thẩm định")
    LEADER = "leader", _("Lãnh đạo UBND tỉnh")
    ADMIN = "admin", _("Quản trị hệ thống")


AGENCY_ROLES = (Role.OFFICER, Role.HEAD)


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # The province (tenant) this user works in (docs/tenants.md): an agency's user's follows
    # their agency, kept by `save`. Empty: the national level, which sees every province.
    province = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="province_users",
    )
    # The plan this user last chose to look at (worklist, queue, dashboards, home); see
    # `cchc.plans.readmodel.plan_viewed`. Empty: the newest plan.
    viewing_plan = models.ForeignKey(
        "plans.Plan",
        verbose_name=_("kế hoạch đang xem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=[r.value for r in AGENCY_ROLES]) | Q(agency__isnull=False),
                name="agency_roles_have_an_agency",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: object, **kwargs: object) -> None:
        # Whoever the policy lets into the Django admin is its superuser; keeping them in
        # step avoids a second place where "who is an administrator" is decided.
        from cchc.accounts.policy import POLICY

        if POLICY.allows_role(self.role, "admin.site"):
            self.is_staff = True
            self.is_superuser = True
        if self.agency_id is not None:
            from cchc.agencies.models import Agency

            self.province_id = (
                Agency.objects.filter(pk=self.agency_id)
                .values_list("province_id", flat=True)
                .first()
            )
        super().save(*args, **kwargs)  # type: ignore[arg-type]


# How stale a token's "last used" may be (`ApiToken.authenticate`).
LAST_USED_EVERY = timedelta(minutes=5)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("người dùng"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("tên"), max_length=100)
    digest = models.CharField(_("mã băm"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("tiền tố"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token and return it with its clear text, which is shown only once."""
        key = "cchc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=_digest(key), prefix=key[5:13])
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        token = (
            cls.objects.select_related("user", "user__agency")
            .filter(digest=_digest(key), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        # "Last used" to within a few minutes: a client calling many times a minute does
        # not write (and commit) the token's row on every request, only once per window.
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
