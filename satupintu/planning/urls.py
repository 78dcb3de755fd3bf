from django.urls import path

from satupintu.planning import views

app_name = "planning"

urlpatterns = [
    path("perencanaan/<slug:mall_slug>/", views.planner_page, name="planner"),
]
