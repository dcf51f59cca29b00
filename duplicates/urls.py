from django.urls import path

from duplicates import views

app_name = "duplicates"

urlpatterns = [
    path("duplicates/", views.CandidateListView.as_view(), name="candidate_list"),
    path("duplicates/find/", views.FindNowView.as_view(), name="find_now"),
    path("duplicates/not-duplicates/", views.NotDuplicatesView.as_view(), name="not_duplicates"),
    path("duplicates/merge/contacts/", views.MergeContactsView.as_view(), name="merge_contacts"),
    path("duplicates/merge/organisations/", views.MergeOrganisationsView.as_view(), name="merge_organisations"),
    path("duplicates/merges/", views.MergeListView.as_view(), name="merge_list"),
    path("duplicates/merges/<int:pk>/", views.MergeDetailView.as_view(), name="merge_detail"),
    path("duplicates/merges/<int:pk>/undo/", views.UndoMergeView.as_view(), name="merge_undo"),
    path("duplicates/rules/", views.RulesView.as_view(), name="rules"),
]
