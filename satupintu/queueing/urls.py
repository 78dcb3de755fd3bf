from django.urls import path

from satupintu.queueing import views

app_name = "queueing"
urlpatterns = [
    # Falls through from the ninja API (API.md): an async SSE view, not a ninja operation.
    path(
        "api/v1/displays/<int:display_id>/events",
        views.display_events,
        name="display-events",
    ),
    path("q/display/<int:display_id>/", views.display_board, name="display"),
    path("q/counter/<int:counter_id>/", views.counter_console, name="counter"),
    path("q/counter/<int:counter_id>/action/", views.counter_action, name="counter-action"),
    path("q/counter/<int:counter_id>/events", views.counter_events, name="counter-events"),
    path("q/ticket/<int:ticket_id>/events", views.ticket_events, name="ticket-events"),
    path("q/ticket/<int:ticket_id>/<str:token>/", views.ticket_status, name="ticket-status"),
    path("q/<slug:mall_slug>/kiosk/", views.kiosk_home, name="kiosk"),
    path(
        "q/<slug:mall_slug>/kiosk/service/<int:service_id>/",
        views.kiosk_service,
        name="kiosk-service",
    ),
    path(
        "q/<slug:mall_slug>/kiosk/ticket/<int:ticket_id>/<str:token>/",
        views.kiosk_ticket,
        name="kiosk-ticket",
    ),
    path("q/<slug:mall_slug>/kiosk/check-in/", views.kiosk_check_in, name="kiosk-check-in"),
    path("q/<slug:mall_slug>/kiosk/lost/", views.kiosk_lost, name="kiosk-lost"),
    path("q/<slug:mall_slug>/booking/", views.booking, name="booking"),
    path("q/<slug:mall_slug>/booking/<str:code>/", views.booking_done, name="booking-done"),
]
