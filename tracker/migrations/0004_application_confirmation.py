# Apply pipeline (issue 13): an application sent by the pipeline keeps the board's confirmation and a screenshot.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0003_integer_scores'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='confirmation',
            field=models.TextField(blank=True, help_text="The board's confirmation text."),
        ),
        migrations.AddField(
            model_name='application',
            name='screenshot',
            field=models.CharField(blank=True, help_text="The sent form's screenshot, relative to SUBMISSIONS_SCREENSHOT_DIR.", max_length=300),
        ),
    ]
