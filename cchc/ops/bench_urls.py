"""The site's URL map plus one hello-world page: `cchc bench` measures the survey against
what the same server does with a request that does nothing (the same middleware)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cchc.urls import urlpatterns as site


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("__bench__/hello/", hello, name="bench_hello"), *site]
