from django.urls import path

from sponsors import views

app_name = "sponsors"
urlpatterns = [
    path("pledges/", views.PledgeListView.as_view(), name="pledge_list"),
    path("pledges/board/", views.PledgeBoardView.as_view(), name="pledge_board"),
    path("pledges/new/", views.PledgeCreateView.as_view(), name="pledge_create"),
    path("pledges/<int:pk>/", views.PledgeDetailView.as_view(), name="pledge_detail"),
    path("pledges/<int:pk>/edit/", views.PledgeUpdateView.as_view(), name="pledge_update"),
    path("pledges/<int:pk>/move/", views.PledgeMoveView.as_view(), name="pledge_move"),
    path("pledges/<int:pk>/tickets/", views.TicketAllocationView.as_view(), name="pledge_tickets_update"),
    path("events/<int:pk>/tickets/", views.EventTicketsView.as_view(), name="event_tickets"),
    path("benefits/<int:pk>/", views.BenefitUpdateView.as_view(), name="benefit_update"),
    path("in-kind/", views.InKindListView.as_view(), name="inkind_list"),
    path("in-kind/new/", views.InKindCreateView.as_view(), name="inkind_create"),
    path("in-kind/<int:pk>/edit/", views.InKindUpdateView.as_view(), name="inkind_update"),
    path("in-kind/<int:pk>/status/", views.InKindStatusView.as_view(), name="inkind_status"),
]
