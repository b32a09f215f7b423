"""The daily reminder: per responsible person, the cases due on the next working day.

Run once a day (cron or a systemd timer): ``python manage.py monitoring_due``
prints, for the next working day after today (``--on`` to choose the day the
job runs as), each responsible person's cases whose current stage (home check,
or the whole identification) falls due then, and how many are already overdue.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import selectors, workdays
from monitoring.choices import CaseState
from monitoring.models import MonitoringCase


class Command(BaseCommand):
    help = "List the monitoring cases due on the next working day, per responsible person"

    def add_arguments(self, parser):
        parser.add_argument("--on", type=date.fromisoformat, help="the day the job runs as")

    def handle(self, *args, on=None, **options):
        on = on or timezone.localdate()
        cases = MonitoringCase.objects.open()
        try:
            day, by_person = selectors.due_next_working_day(cases=cases, on=on)
        except workdays.WorkCalendarError as exc:
            raise CommandError(str(exc)) from None
        overdue = selectors.worklist(cases=cases, on=on).filter(overdue=True).count()
        total = sum(map(len, by_person.values()))
        self.stdout.write(_("{day}(下一个工作日)到期:{n}户").format(day=day.isoformat(), n=total))
        for name, rows in by_person.items():
            self.stdout.write(_("{name}:{n}户").format(name=name, n=len(rows)))
            for case in rows:
                at_home = case.state_on == CaseState.INTAKE
                self.stdout.write(
                    "  "
                    + _("{village} {number} {category} {stage}期限{due}").format(
                        village=case.household.village.name,
                        number=case.household.number,
                        category=case.get_category_display(),
                        stage=_("入户核实") if at_home else _("识别办结"),
                        due=(case.home_check_due if at_home else case.deadline).isoformat(),
                    )
                )
        self.stdout.write(_("已逾期:{n}户").format(n=overdue))
