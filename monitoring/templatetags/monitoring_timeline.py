"""``{% household_monitoring household on %}``: the household page's monitoring
section, for the users who may read monitoring (``monitoring.timeline``).

A template tag, because the household page's view sits below monitoring in
the apps' layers (it may not import it); the page has already found the
household in the user's scope, and the cases are scoped again here.
"""

from django import template

from monitoring.timeline import household_timeline

register = template.Library()


@register.inclusion_tag("monitoring/_household_timeline.html", takes_context=True)
def household_monitoring(context, household, on):
    user = context["request"].user
    return {
        "cases": household_timeline(household=household, user=user, on=on),
        "on": on,
    }
