"""Which language a page is in: Vietnamese, unless the user has chosen otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language header, and many
officials' browsers are set to English without them ever having asked for an English
interface. So the language comes from the user's own choice only: the cookie that
Django's `set_language` view (the EN/VI switch in the header) writes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def chosen_language(request: HttpRequest) -> str:
    """The language the user picked with the switch, or else LANGUAGE_CODE."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    """LocaleMiddleware without Accept-Language; the site uses no i18n_patterns URLs."""

    def process_request(self, request: HttpRequest) -> None:
        request._language_before = translation.get_language()  # type: ignore[attr-defined]
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        # The page depends on the language cookie, not on Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        # Django's LocaleMiddleware leaves the request's language active in the thread for
        # good. Whatever runs there next outside a request (a command that serves pages
        # in-process like `cchc bench`, a job, the next test) would then speak the last
        # visitor's language. Give the thread its language back once the response is
        # closed, that is after a streamed body has been written in the user's language.
        before = getattr(request, "_language_before", None)
        response._resource_closers.append(partial(_restore_language, before))  # type: ignore[attr-defined]
        return response


def _restore_language(language: str | None) -> None:
    if language is None:  # translations were deactivated (a `no_translations` command)
        translation.deactivate_all()
    else:
        translation.activate(language)


def official_language(view: View) -> View:
    """Run `view` in LANGUAGE_CODE whatever the user chose.

    For the documents that go to the province (the plan appendix, the status table
    annex): they are official Vietnamese papers, not pages of the interface.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override(settings.LANGUAGE_CODE):
            return view(*args, **kwargs)

    return cast(View, wrapper)
