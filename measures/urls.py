from django.urls import path

from measures import views

app_name = "measures"

# A programme's bulk apply and 我的帮扶户 read the lifting check: they are
# assessment.urls', included in this namespace by tieshagai/urls.py.

urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("programmes/add/", views.programme_add, name="programme_add"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("summary/", views.summary, name="summary"),
    path("households/<int:pk>/add/", views.application_add, name="application_add"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/status/", views.application_status, name="application_status"),
]
