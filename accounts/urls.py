from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.me, name="me"),
    path("profile/", views.profile, name="profile"),
    path("data/", views.data, name="data"),
    path("data.json", views.data_json, name="data_json"),
    path("sharing/", views.sharing, name="sharing"),
    path("delete/", views.delete, name="delete"),
]
