from django.urls import path

from bench.reference import views

urlpatterns = [
    path("", views.page, name="page"),
    path("about/", views.page, name="about"),
]
