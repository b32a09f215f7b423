from django.urls import path

from households import views

app_name = "households"

# The town overview (/overview/, households:overview) is reports.views.overview,
# and the pages that show or enforce the lifting check (the list, the export,
# the household page, status changes) are assessment.urls': tieshagai.urls adds
# them to this namespace, since households imports neither reports nor assessment.

urlpatterns = [
    path("households/<int:pk>/edit/", views.household_edit, name="edit"),
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
    path(
        "households/<int:pk>/members/<int:member_pk>/reveal/",
        views.reveal_id_number,
        name="reveal_id",
    ),
    path("households/<int:pk>/income/<int:year>/", views.income_edit, name="income"),
    path("households/<int:pk>/guarantees/add/", views.guarantee_add, name="guarantee_add"),
]
