from django.urls import path

from partners import views

app_name = "partners"
urlpatterns = [
    path("partners/", views.PartnerListView.as_view(), name="partner_list"),
    path("favours/", views.FavourListView.as_view(), name="favour_list"),
    path("favours/new/", views.FavourCreateView.as_view(), name="favour_create"),
    path("favours/<int:pk>/edit/", views.FavourUpdateView.as_view(), name="favour_update"),
]
