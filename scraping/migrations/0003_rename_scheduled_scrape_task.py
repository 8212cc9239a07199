"""The periodic scrape's Celery task is now named "scraping.scheduled_scrape" (was
"scraping.tasks.scheduled_scrape"): beat looks tasks up by the name stored in its rows."""
from django.db import migrations
from django.utils import timezone

OLD, NEW = "scraping.tasks.scheduled_scrape", "scraping.scheduled_scrape"


def rename(old, new):
    def run(apps, schema_editor):
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        if PeriodicTask.objects.filter(task=old).update(task=new):
            # What PeriodicTasks.update_changed() does: a running beat reloads its schedule.
            PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
            PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("scraping", "0002_run_control_fields"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename(OLD, NEW), rename(NEW, OLD))]
