import accounts.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='profile',
            name='desired_titles',
            field=models.JSONField(blank=True, default=list, validators=[accounts.models.validate_string_list]),
        ),
        migrations.AlterField(
            model_name='profile',
            name='locations',
            field=models.JSONField(blank=True, default=list, validators=[accounts.models.validate_string_list]),
        ),
        migrations.AlterField(
            model_name='profile',
            name='skills',
            field=models.JSONField(blank=True, default=list, help_text='List of skill names.', validators=[accounts.models.validate_string_list]),
        ),
    ]
