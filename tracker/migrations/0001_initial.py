from django.db import migrations, models
from django.utils import timezone


def make_the_row(apps, schema_editor):
    DataRevision = apps.get_model("tracker", "DataRevision")
    DataRevision.objects.get_or_create(pk=1, defaults={"number": 0, "changed_at": timezone.now()})


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="DataRevision",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("number", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="datarevision_single_row"
                    )
                ],
            },
        ),
        migrations.RunPython(make_the_row, migrations.RunPython.noop),
    ]
