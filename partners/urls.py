from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("partners/", views.PartnersPlaceholder.as_view(), name="partner_list"),
]
