from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as accounts_views
from assessment import urls as assessment_urls
from households import urls as households_urls
from measures import urls as measures_urls
from reports.views import overview


class FaviconView(RedirectView):
    """To the icon's current (hashed) name, looked up when asked: the name
    changes with the file, and the manifest exists only after collectstatic."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True,
            extra_context={
                "failure_limit": settings.AXES_FAILURE_LIMIT,
                "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", accounts_views.password_change, name="password_change"),
    path(
        "accounts/password_change/done/",
        accounts_views.password_change_done,
        name="password_change_done",
    ),
    # Browsers ask for /favicon.ico on pages that do not name an icon (the admin's).
    path(
        "favicon.ico",
        login_not_required(FaviconView.as_view()),
    ),
    path("healthz", accounts_views.healthz, name="healthz"),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("", accounts_views.home, name="home"),
    # One namespace per app as before: the town overview (a reports page) and
    # the pages that read the lifting check (assessment) keep their first names
    # in households: and measures:, above the app they are named in.
    path(
        "",
        include(
            (
                [
                    path("overview/", overview, name="overview"),
                    *households_urls.urlpatterns,
                    *assessment_urls.households,
                ],
                households_urls.app_name,
            )
        ),
    ),
    path("ledger/", include("households.ledger.urls")),
    path(
        "measures/",
        include((measures_urls.urlpatterns + assessment_urls.measures, measures_urls.app_name)),
    ),
    path("rectification/", include("rectification.urls")),
    path("census/", include("census.urls")),
    path("reports/", include("reports.urls")),
    path("monitoring/", include("monitoring.urls")),
]
