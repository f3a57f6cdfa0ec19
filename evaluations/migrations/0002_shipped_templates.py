"""Install the grade bands and the two indicator templates the product ships with."""

from django.db import migrations


def install(apps, schema_editor):
    from evaluations.indicators import install as install_shipped

    install_shipped(apps)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
