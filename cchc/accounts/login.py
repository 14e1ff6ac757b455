"""The login page and the admin's: Django's forms behind the throttle of
`cchc.accounts.throttle`, which says, in Vietnamese, how long to wait and until when."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from cchc.accounts.throttle import REQUEST_ATTRIBUTE, remember_browser


class ThrottledFormMixin:
    """Replaces "wrong name or password" by the wait message when the attempt was refused
    for its wait: the password was not checked, so "wrong" would be untrue."""

    request: Any
    throttle_message = ""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc]
        except ValidationError:
            message = getattr(self.request, REQUEST_ATTRIBUTE, "")
            if not message:
                raise
            self.throttle_message = message
            raise ValidationError(message, code="throttled") from None


class LoginForm(ThrottledFormMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledFormMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        remember_browser(self.request, response, form.get_user().get_username())
        return response
