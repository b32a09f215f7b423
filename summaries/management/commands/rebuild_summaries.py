from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Recount the summary tables (every village's registry figures and census progress"
        " snapshots). Nightly, from tieshagai-summaries.timer; --enqueue leaves it to the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the rebuild as a task for the worker (db_worker) instead of running it",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from summaries.tasks import rebuild_summaries

            result = rebuild_summaries.enqueue()
            self.stdout.write(f"已加入后台任务队列:{result.id}")
            return
        from summaries.build import rebuild_everything

        figures = rebuild_everything()
        self.stdout.write(
            "汇总数已重算:{villages}个行政村、{households}户;变动{deltas}行、年末{year_ends}行,"
            "用时{figures_seconds}秒;普查进度{census_villages}个行政村,用时{census_seconds}秒".format(
                **figures
            )
        )
