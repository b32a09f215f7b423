from django.urls import path

from households.ledger import export_views, views

app_name = "ledger"

urlpatterns = [
    # Import (台账导入)
    path("", views.ledger_list, name="list"),
    path("<int:pk>/", views.ledger_detail, name="detail"),
    path("<int:pk>/errors.xlsx", views.ledger_errors, name="errors"),
    path("<int:pk>/confirm/", views.ledger_confirm, name="confirm"),
    path("<int:pk>/cancel/", views.ledger_cancel, name="cancel"),
    # Export (template, the village ledger, the national registry's layout)
    path("template.xlsx", export_views.ledger_template_download, name="template"),
    path("export.xlsx", export_views.ledger_export_download, name="export"),
    path("registry.xlsx", export_views.registry_export_download, name="registry_export"),
]
