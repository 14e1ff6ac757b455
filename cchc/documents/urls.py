from django.urls import path

from cchc.documents import views

urlpatterns = [
    path("van-ban/co-quan/<int:agency_id>/", views.document_list, name="document_list"),
]
