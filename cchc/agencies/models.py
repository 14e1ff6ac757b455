"""Agencies (cơ quan, đơn vị), their names over time, and collective groups.

An agency is never deleted: it is renamed, merged into another or closed, and the plans,
reports and scores that name it keep pointing at the row they named. Vietnam's 2025
reorganisation (provinces merged, districts abolished) is exactly such a change.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cchc.agencies.naming import resolution_key
from cchc.lib.text import fold, sort_key


class Agency(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("UBND tỉnh")
        DEPARTMENT = "department", _("Sở, ban, ngành và tương đương")
        DISTRICT = "district", _("UBND cấp huyện")
        COMMUNE = "commune", _("UBND cấp xã")
        UNIT = "unit", _("Phòng, đơn vị trực thuộc")

    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    admin_code = models.CharField(
        _("mã đơn vị hành chính"),
        max_length=20,
        blank=True,
        help_text=_("Mã của Tổng cục Thống kê, với UBND cấp huyện và cấp xã."),
    )
    email = models.EmailField(_("thư điện tử"), blank=True)
    closed_on = models.DateField(_("ngày giải thể"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("sáp nhập vào"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    search_name = models.CharField(
        _("tên để tìm kiếm"), max_length=255, editable=False, db_index=True
    )
    sort_name = models.CharField(_("tên để sắp xếp"), max_length=600, editable=False, db_index=True)
    # The province (tenant) this agency belongs to: the nearest ancestor-or-self of kind
    # PROVINCE, kept by `save` (docs/tenants.md). Denormalised so that every list can be
    # scoped to one province with one indexed equality instead of walking the tree.
    # Empty: an agency outside every province's tree (a ministry), national reference data.
    province = models.ForeignKey(
        "self",
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        editable=False,
        # Agencies are not deleted; when one is (the bench's cleanup, a root last), a
        # root's reference to itself must not stop it. Another agency still in its tree
        # does: the database's foreign key refuses.
        on_delete=models.DO_NOTHING,
        related_name="province_agencies",
    )

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["sort_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="agency_unique_name_under_parent",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="agency_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.name)
        self.sort_name = sort_key(self.name)
        before, adding = self.province_id, self._state.adding
        self.province_id = self._derived_province_id()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if self.province_id is None and self.kind == Agency.Kind.PROVINCE and not self.parent_id:
            # A new province root points to itself, which needs its pk first.
            self.province_id = self.pk
            Agency.objects.filter(pk=self.pk).update(province_id=self.pk)
        if before != self.province_id and not adding:
            # Re-parented into another tree: the agencies under it move with it.
            self.move_subtree()

    def _derived_province_id(self) -> int | None:
        if self.kind == Agency.Kind.PROVINCE and not self.parent_id:
            return self.pk  # None on insert; `save` fills it in
        if not self.parent_id:
            if self.province_id is not None or self.pk is not None:
                return self.province_id  # set by hand, by a backfill or the bench: kept
            # A new agency outside every tree: the installation's only province, if one.
            from cchc.accounts.tenancy import sole_province_id

            return sole_province_id()
        parent = self.parent
        assert parent is not None
        if parent.kind == Agency.Kind.PROVINCE and not parent.parent_id:
            return parent.pk
        return parent.province_id

    def move_subtree(self) -> None:
        """Give every agency under this one this agency's province (one UPDATE a level)."""
        level = [self.pk]
        while level:
            children = Agency.objects.filter(parent_id__in=level).exclude(
                kind=Agency.Kind.PROVINCE, parent__isnull=True
            )
            children.exclude(province_id=self.province_id).update(province_id=self.province_id)
            level = list(children.values_list("pk", flat=True))

    @property
    def is_active(self) -> bool:
        return self.closed_on is None

    def is_active_on(self, day: date) -> bool:
        return self.closed_on is None or day < self.closed_on


class AgencyName(models.Model):
    """Every name an agency has had, with the dates it was used.

    A plan from 2022 that names "Sở Kế hoạch và Đầu tư" still resolves after that
    department was merged and renamed.
    """

    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="names"
    )
    name = models.CharField(_("tên"), max_length=255)
    valid_from = models.DateField(_("dùng từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("dùng đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("tên cũ của cơ quan")
        verbose_name_plural = _("tên cũ của cơ quan")
        ordering = ["agency", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="agency_name_from_before_to",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgencyGroup(models.Model):
    """A collective assignee such as "Các sở, ban, ngành" or "UBND cấp huyện"."""

    # Unique within its province (two provinces each have their "Các sở, ban, ngành"),
    # and among national groups: see Meta.constraints.
    code = models.SlugField(_("mã"), max_length=60)
    name = models.CharField(_("tên"), max_length=255)
    description = models.TextField(_("mô tả"), blank=True)
    # The province whose agencies this group gathers (docs/tenants.md); empty: national.
    province = models.ForeignKey(
        Agency,
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="province_groups",
    )
    members = models.ManyToManyField(  # type: ignore[var-annotated]
        Agency,
        through="GroupMembership",
        related_name="agency_groups",
        verbose_name=_("thành viên"),
    )
    search_name = models.CharField(
        _("tên để tìm kiếm"), max_length=255, editable=False, db_index=True
    )

    class Meta:
        verbose_name = _("nhóm cơ quan")
        verbose_name_plural = _("nhóm cơ quan")
        ordering = ["name"]
        # NULLs are distinct in a unique index, so a national group (no province) is kept
        # unique by its own partial index rather than by `nulls_distinct` (PostgreSQL 15+
        # only, not SQLite).
        constraints = [
            models.UniqueConstraint(
                fields=["province", "code"],
                condition=Q(province__isnull=False),
                name="group_code_unique_in_province",
                violation_error_message=_("Tỉnh này đã có nhóm cơ quan với mã này."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(province__isnull=True),
                name="group_code_unique_national",
                violation_error_message=_("Đã có nhóm cơ quan cấp quốc gia với mã này."),
            ),
            models.UniqueConstraint(
                fields=["province", "name"],
                condition=Q(province__isnull=False),
                name="group_name_unique_in_province",
                violation_error_message=_("Tỉnh này đã có nhóm cơ quan với tên này."),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(province__isnull=True),
                name="group_name_unique_national",
                violation_error_message=_("Đã có nhóm cơ quan cấp quốc gia với tên này."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.name)
        if self._state.adding and self.province_id is None:
            # A new group of a single-province installation is that province's; with
            # several, whoever makes it says which (empty: a national group).
            from cchc.accounts.tenancy import sole_province_id

            self.province_id = sole_province_id()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def membership_in_force(day: date, prefix: str = "") -> Q:
    """Memberships in force on `day`: from `valid_from` (inclusive) to `valid_to`
    (exclusive), an empty bound being open-ended. `prefix` reaches them through a
    relation, e.g. "memberships__"."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


class MembershipQuerySet(models.QuerySet["GroupMembership"]):
    def on(self, day: date) -> MembershipQuerySet:
        """The memberships in force on `day`."""
        return self.filter(membership_in_force(day))


class GroupMembership(models.Model):
    """An agency's place in a collective group for a span of time.

    The span is half-open, like `Agency.closed_on`: a membership with `valid_to` D ends
    the evening before D, so a merge on D ends the old one and starts the successor's on
    the same date without overlap. Empty bounds are open-ended.
    """

    group = models.ForeignKey(
        AgencyGroup, verbose_name=_("nhóm"), on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="memberships"
    )
    valid_from = models.DateField(_("là thành viên từ ngày"), null=True, blank=True)
    valid_to = models.DateField(
        _("là thành viên đến trước ngày"),
        null=True,
        blank=True,
        help_text=_("Để trống nếu vẫn là thành viên. Từ ngày này cơ quan không còn trong nhóm."),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("thành viên nhóm")
        verbose_name_plural = _("thành viên nhóm")
        ordering = ["group", "agency", "valid_from"]
        constraints = [
            # Overlapping spans are refused by `clean`; this catches the plain duplicate
            # even when two writers race past it.
            models.UniqueConstraint(
                fields=["group", "agency", "valid_from"], name="group_membership_unique_start"
            ),
            # NULLs are distinct in a unique index: one "since always" row per pair.
            models.UniqueConstraint(
                fields=["group", "agency"],
                condition=Q(valid_from__isnull=True),
                name="group_membership_unique_open_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="group_membership_from_before_to",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} ∋ {self.agency}"

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValidationError({"valid_to": _("Ngày kết thúc không thể trước ngày bắt đầu.")})
        if self.group_id is None or self.agency_id is None:
            return
        others = GroupMembership.objects.filter(group_id=self.group_id, agency_id=self.agency_id)
        if self.pk is not None:
            others = others.exclude(pk=self.pk)
        # Two half-open spans overlap when each starts before the other ends.
        if self.valid_to is not None:
            others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lt=self.valid_to))
        if self.valid_from is not None:
            others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=self.valid_from))
        if self.valid_from is not None and self.valid_from == self.valid_to:
            return  # an empty span overlaps nothing
        others = others.exclude(valid_from__isnull=False, valid_to=models.F("valid_from"))
        if others.exists():
            raise ValidationError(
                _(
                    "%(agency)s đã là thành viên của nhóm «%(group)s» trong một khoảng thời "
                    "gian trùng với khoảng này."
                )
                % {"agency": self.agency, "group": self.group}
            )


class Alias(models.Model):
    """Another way a document writes an agency or a group: an abbreviation, a variant.

    An ignored alias names nothing: a written name the coordinator chose to leave out
    (a person's title, a body outside the province's structure). Imports then read it as
    no assignee instead of failing on it.
    """

    name = models.CharField(_("cách viết"), max_length=255)
    # Unique within its province ("UBND tỉnh", "Các sở" are written in every province):
    # see Meta.constraints.
    search_name = models.CharField(
        _("tên để tìm kiếm"), max_length=255, editable=False, db_index=True
    )
    # The province whose documents write the name this way (docs/tenants.md): whoever
    # settles it says which, else its target's. Empty: national.
    province = models.ForeignKey(
        Agency,
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="province_aliases",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aliases",
    )
    group = models.ForeignKey(
        AgencyGroup,
        verbose_name=_("nhóm"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aliases",
    )
    ignored = models.BooleanField(
        _("bỏ qua"),
        default=False,
        help_text=_("Tên này không chỉ cơ quan nào; khi nhập kế hoạch thì bỏ qua."),
    )

    class Meta:
        verbose_name = _("cách viết khác")
        verbose_name_plural = _("cách viết khác")
        ordering = ["name"]
        constraints = [
            # Exactly one target, or none at all when the name is ignored.
            models.CheckConstraint(
                condition=(Q(agency__isnull=False) & Q(group__isnull=True) & Q(ignored=False))
                | (Q(agency__isnull=True) & Q(group__isnull=False) & Q(ignored=False))
                | (Q(agency__isnull=True) & Q(group__isnull=True) & Q(ignored=True)),
                name="alias_one_target_or_ignored",
            ),
            models.UniqueConstraint(
                fields=["province", "search_name"],
                condition=Q(province__isnull=False),
                name="alias_unique_in_province",
                violation_error_message=_("Tỉnh này đã có cách viết này."),
            ),
            models.UniqueConstraint(
                fields=["search_name"],
                condition=Q(province__isnull=True),
                name="alias_unique_national",
                violation_error_message=_("Đã có cách viết này ở cấp quốc gia."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = resolution_key(self.name)
        if self._state.adding and self.province_id is None:
            # Whoever settles a name may say whose it is (a province's coordinator naming
            # a ministry); else the target's province, else the only province.
            target = self.agency or self.group
            if target is not None:
                self.province_id = target.province_id
            else:
                from cchc.accounts.tenancy import sole_province_id

                self.province_id = sole_province_id()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
