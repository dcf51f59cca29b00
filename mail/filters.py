import django_filters
from django.db.models import Q

from mail.models import EmailMessage


class TriageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search subject or sender")

    class Meta:
        model = EmailMessage
        fields = []

    def filter_q(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(subject__icontains=word) | Q(from_address__icontains=word) | Q(from_name__icontains=word)
            )
        return queryset
