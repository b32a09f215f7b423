"""The pages of assessment.views, under the URL names and paths they have always
had: tieshagai/urls.py includes ``households`` in the ``households`` namespace
(beside households.urls) and ``measures`` in the ``measures`` namespace (beside
measures.urls)."""

from django.urls import path

from assessment import views

households = [
    path("households/", views.household_list, name="list"),
    path("households/export.xlsx", views.household_export, name="export"),
    path("households/<int:pk>/", views.household_detail, name="detail"),
    path("households/<int:pk>/status/", views.status_change, name="status"),
    path("households/<int:pk>/status/undo/", views.status_undo, name="status_undo"),
]

measures = [
    path("programmes/<int:pk>/apply/", views.programme_apply, name="programme_apply"),
    path("mine/", views.my_households, name="my_households"),
]
