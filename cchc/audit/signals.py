"""Account changes recorded from model signals, whoever makes them (admin, shell, pages).

Passwords are never written to the trail, not even hashed: only the fact of a change.
Rows written by `loaddata` (a restore) arrive with `raw=True`; they are history already
recorded, so they are not recorded again.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from cchc.accounts.models import ApiToken, User
from cchc.audit.context import current
from cchc.audit.log import log_action

USER_FIELDS = ("username", "role", "agency_id", "is_active", "is_staff", "is_superuser", "email")


def _user_state(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in USER_FIELDS}


@receiver(pre_save, sender=User)
def _remember_user(sender: type[User], instance: User, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    previous = None
    if instance.pk is not None:
        previous = User.objects.filter(pk=instance.pk).values(*USER_FIELDS, "password").first()
    instance._audit_previous = previous  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _log_user(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    acting = current()
    actor = acting.current_actor()
    if created:
        log_action(
            actor=actor,
            action="user.create",
            obj=instance,
            before=None,
            after=_user_state(instance),
            source=acting.source,
        )
        return
    previous = getattr(instance, "_audit_previous", None)
    if previous is None:
        return
    now = _user_state(instance)
    changed = [name for name in USER_FIELDS if previous[name] != now[name]]
    if changed:
        log_action(
            actor=actor,
            action="user.update",
            obj=instance,
            before={name: previous[name] for name in changed},
            after={name: now[name] for name in changed},
            source=acting.source,
        )
    if previous["password"] != instance.password:
        log_action(
            actor=actor,
            action="user.password_change",
            obj=instance,
            before=None,
            after=None,
            source=acting.source,
        )


def _token_state(token: ApiToken) -> dict[str, Any]:
    return {"name": token.name, "prefix": token.prefix, "user": token.user.get_username()}


@receiver(pre_save, sender=ApiToken)
def _remember_token(sender: type[ApiToken], instance: ApiToken, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    revoked = None
    if instance.pk is not None:
        revoked = (
            ApiToken.objects.filter(pk=instance.pk).values_list("revoked_at", flat=True).first()
        )
    instance._audit_revoked = revoked  # type: ignore[attr-defined]


@receiver(post_save, sender=ApiToken)
def _log_token(sender: type[ApiToken], instance: ApiToken, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    acting = current()
    if created:
        log_action(
            actor=acting.current_actor(),
            action="api_token.issue",
            obj=instance,
            before=None,
            after=_token_state(instance),
            source=acting.source,
        )
    elif instance.revoked_at is not None and getattr(instance, "_audit_revoked", None) is None:
        log_action(
            actor=acting.current_actor(),
            action="api_token.revoke",
            obj=instance,
            before={"revoked_at": None},
            after={"revoked_at": instance.revoked_at},
            source=acting.source,
        )


@receiver(post_delete, sender=ApiToken)
def _log_token_delete(sender: type[ApiToken], instance: ApiToken, **kwargs: Any) -> None:
    acting = current()
    log_action(
        actor=acting.current_actor(),
        action="api_token.delete",
        obj=None,
        before=_token_state(instance) | {"id": instance.pk},
        after=None,
        source=acting.source,
    )
