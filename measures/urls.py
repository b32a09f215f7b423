from django.urls import path

from measures import views

app_name = "measures"

urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("programmes/add/", views.programme_add, name="programme_add"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/apply/", views.programme_apply, name="programme_apply"),
    path("summary/", views.summary, name="summary"),
    path("mine/", views.my_households, name="my_households"),
    path("households/<int:pk>/add/", views.application_add, name="application_add"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/status/", views.application_status, name="application_status"),
]
