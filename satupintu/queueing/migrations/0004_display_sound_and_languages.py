# The display board's sound and language settings (issue #12).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("queueing", "0003_hot_path_functions"),
    ]

    operations = [
        migrations.AddField(
            model_name="display",
            name="announce_in_english",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "After the Indonesian call, the same call in English (e.g. for Imigrasi)."
                ),
                verbose_name="also announce in English",
            ),
        ),
        migrations.AddField(
            model_name="display",
            name="sound_at_load",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "The board speaks as soon as it loads, with nobody pressing “Turn on "
                    "sound”. Needs a browser that allows it: Chromium started with --kiosk "
                    "--autoplay-policy=no-user-gesture-required (see the README). Off: the "
                    "board stays silent until someone presses the button."
                ),
                verbose_name="sound from the start",
            ),
        ),
        migrations.AlterField(
            model_name="display",
            name="running_text",
            field=models.TextField(
                blank=True,
                help_text=(
                    "Announcements for the ticker. The opening hours and the coming closure "
                    "days are added from the mall's calendar: do not write them here."
                ),
                verbose_name="running text",
            ),
        ),
    ]
