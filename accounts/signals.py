"""At login, remember in the session when the user's password was set."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.services import remember_in_session


@receiver(user_logged_in, dispatch_uid="accounts.remember_password_age")
def remember_password_age(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        remember_in_session(request, user=user)
