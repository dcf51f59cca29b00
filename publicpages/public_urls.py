"""Pages anyone may open, without signing in (listed as public in crm/urls.py, PUBLIC_URLCONFS).

The URLs are stable (DESIGN.md): other sites link to them and embed the wall.
"""

from django.urls import path

from publicpages import views

app_name = "public"

urlpatterns = [
    path("sponsor/<slug:slug>/", views.prospectus, name="prospectus"),
    path("sponsor/<slug:slug>/prospectus.pdf", views.prospectus_pdf, name="prospectus_pdf"),
    path("sponsors/<slug:slug>/", views.wall, name="wall"),
    path("sponsors/<slug:slug>.json", views.wall_json, name="wall_json"),
    path("sponsors/<slug:slug>/logos/<int:pledge_id>/<slug:key>/<slug:size>/", views.wall_logo, name="wall_logo"),
]
