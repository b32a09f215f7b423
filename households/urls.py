from django.urls import path

from households import views

app_name = "households"

# The town overview (/overview/, households:overview) is reports.views.overview,
# added to this namespace by tieshagai.urls: households never imports reports.

urlpatterns = [
    path("households/", views.household_list, name="list"),
    path("households/export.xlsx", views.household_export, name="export"),
    path("households/<int:pk>/", views.household_detail, name="detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="edit"),
    path("households/<int:pk>/status/", views.status_change, name="status"),
    path("households/<int:pk>/members/add/", views.member_edit, name="member_add"),
    path(
        "households/<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member_edit"
    ),
    path(
        "households/<int:pk>/members/<int:member_pk>/leave/",
        views.member_leave,
        name="member_leave",
    ),
    path(
        "households/<int:pk>/members/<int:member_pk>/correct/",
        views.member_correct,
        name="member_correct",
    ),
    path("households/<int:pk>/status/undo/", views.status_undo, name="status_undo"),
    path(
        "households/<int:pk>/members/<int:member_pk>/reveal/",
        views.reveal_id_number,
        name="reveal_id",
    ),
    path("households/<int:pk>/income/<int:year>/", views.income_edit, name="income"),
    path("households/<int:pk>/guarantees/add/", views.guarantee_add, name="guarantee_add"),
]
