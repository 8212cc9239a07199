from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"

    def ready(self) -> None:
        from realtime.channels import register_scope
        from submissions import events, selectors

        # `submissions:<job id>`: one job's events only (its owner and staff), for the job's page.
        register_scope(events.CHANNEL, "job_id", selectors.job_owner_id)
