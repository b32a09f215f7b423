from django.urls import path

from census import views

app_name = "census"

urlpatterns = [
    path("", views.progress, name="progress"),
    path("organisation/", views.organisation, name="organisation"),
    path("queue/", views.queue, name="queue"),
    path("villages/<int:pk>/", views.village, name="village"),
    path("villages/<int:pk>/worklist/", views.worklist, name="worklist"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/submit/", views.submit, name="submit"),
    path("households/<int:pk>/review/", views.review, name="review"),
    path("export.xlsx", views.export, name="export"),
]
