from django.urls import path

from sponsors import views

app_name = "sponsors"
urlpatterns = [
    path("pledges/", views.PledgesPlaceholder.as_view(), name="pledge_list"),
    path("pledges/new/", views.PledgesPlaceholder.as_view(), name="pledge_create"),
    path("pledges/<int:pk>/", views.PledgesPlaceholder.as_view(), name="pledge_detail"),
    path("in-kind/", views.InKindPlaceholder.as_view(), name="inkind_list"),
    path("in-kind/new/", views.InKindPlaceholder.as_view(), name="inkind_create"),
]
