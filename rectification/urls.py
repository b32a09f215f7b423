from django.urls import path

from rectification import views

app_name = "rectification"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("rounds/add/", views.round_edit, name="round_add"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:round_pk>/problems/add/", views.problem_add, name="problem_add"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/overdue/", views.overdue_list, name="overdue"),
    path("problems/mine/", views.my_tasks, name="my_tasks"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/edit/", views.problem_edit, name="problem_edit"),
    path("problems/<int:pk>/start/", views.problem_start, name="problem_start"),
    path("problems/<int:pk>/close/", views.problem_close, name="problem_close"),
    path("problems/<int:pk>/reopen/", views.problem_reopen, name="problem_reopen"),
    path("problems/<int:pk>/evidence/add/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
]
