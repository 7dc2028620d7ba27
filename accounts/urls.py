from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.me, name="me"),
    path("profile/", views.profile, name="profile"),
    path("data/", views.data, name="data"),
    path("data.json", views.data_json, name="data_json"),
    path("data/receipts/<uuid:receipt_id>.json", views.receipt, name="receipt"),
    path("data/receipts.zip", views.receipts_zip, name="receipts_zip"),
    path("sharing/", views.sharing, name="sharing"),
    path("delete/", views.delete, name="delete"),
]
