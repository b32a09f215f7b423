from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("roster.xlsx", views.roster_export, name="roster_export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("intake/", views.intake_queue, name="intake_queue"),
    path("intake/add/", views.case_add, name="case_add"),
    path("warnings/upload/", views.warnings_upload, name="warnings_upload"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/step/", views.case_step, name="case_step"),
    path("steps/<int:pk>/evidence/", views.step_evidence, name="step_evidence"),
]
