from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("partners/", views.PartnersPlaceholder.as_view(), name="partner_list"),
    path("favours/", views.PartnersPlaceholder.as_view(), name="favour_list"),
    path("favours/new/", views.PartnersPlaceholder.as_view(), name="favour_create"),
]
