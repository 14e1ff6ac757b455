from django.urls import path

from cchc.front import views

urlpatterns = [
    path("", views.home, name="home"),
]
