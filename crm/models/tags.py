from django.db import models
from django.db.models.functions import Lower


class Tag(models.Model):
    """A free label shared by organisations and contacts ("launch-2026", "nhs")."""

    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self):
        return self.name
