import django_filters

from sponsors.models import Pledge


class PledgeFilter(django_filters.FilterSet):
    class Meta:
        model = Pledge
        fields = ["event", "stage", "tier", "owner", "organisation"]
