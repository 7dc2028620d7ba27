from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("", views.cookie_settings, name="cookie_settings"),
    path("accept/", views.accept, name="accept"),
    path("decline/", views.decline, name="decline"),
    path("theme/", views.theme, name="theme"),
]
