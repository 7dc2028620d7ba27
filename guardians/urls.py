from django.urls import path

from guardians import views

app_name = "guardians"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("waiting/", views.waiting, name="waiting"),
    path("waiting/resend/", views.resend, name="resend"),
    path("waiting/guardian-email/", views.change_email, name="change_email"),
    path("consent/<str:token>/", views.consent, name="consent"),
    path("ward/<int:pk>/", views.ward, name="ward"),
    path("ward/<int:pk>/switches/", views.ward_switches, name="ward_switches"),
    path("ward/<int:pk>/stop/", views.ward_stop, name="ward_stop"),
    path("ward/<int:pk>/resume/", views.ward_resume, name="ward_resume"),
    path("ward/<int:pk>/sharing/", views.ward_sharing, name="ward_sharing"),
    path("ward/<int:pk>/data.json", views.ward_download, name="ward_download"),
    path("ward/<int:pk>/receipts/<uuid:receipt_id>.json", views.ward_receipt, name="ward_receipt"),
    path("ward/<int:pk>/receipts.zip", views.ward_receipts_zip, name="ward_receipts_zip"),
    path("ward/<int:pk>/delete/", views.ward_delete, name="ward_delete"),
]
