"""What the PAR INDEX API modules share: the user, the look-ups that answer 404 for what
one may not see, and the one mapping of the services' refusals to HTTP statuses
(403 never allowed, 409 outside its window, 400 bad input or state)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from cchc.accounts import policy
from cchc.accounts.models import User
from cchc.lib.uploads import UploadRejected
from cchc.par.models import Campaign
from cchc.par.services import ParError, SetImportError, WindowClosed


def api_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def campaign_or_404(request: HttpRequest, campaign_id: int, view: str = "par.view") -> Campaign:
    campaign = (
        Campaign.objects.select_related("criteria_set", "group").filter(pk=campaign_id).first()
    )
    if campaign is None or not policy.can(request.user, view, campaign, when=False):
        raise HttpError(404, _("Không tìm thấy đợt đánh giá."))
    return campaign


def run(action: Any) -> Any:
    """`action()`, its refusal turned into the HTTP error with its Vietnamese message."""
    try:
        return action()
    except PermissionDenied:
        raise HttpError(403, _("Bạn không có quyền thực hiện thao tác này.")) from None
    except WindowClosed as error:
        raise HttpError(409, error.message) from None
    except ParError as error:
        raise HttpError(400, error.message) from None
    except SetImportError as error:
        raise HttpError(400, " ".join(str(i) for i in error.issues)) from None
    except UploadRejected as error:
        raise HttpError(400, " ".join(str(m) for m in error.messages)) from None
