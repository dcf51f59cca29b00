"""POST /api/contacts/{id}/merge/ and /api/organisations/{id}/merge/: merge records into the one
in the URL, through the same service as the merge screen. The API app routes these resources
(crm.registry.register_api_resource), so neither app imports the other."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from crm.registry import ApiResource, register_api_resource
from duplicates import services
from duplicates.models import Merge, Target


class MergeRequestSerializer(serializers.Serializer):
    merge = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        min_length=1,
        max_length=20,
        help_text="The ids of the records merged into this one (deleted; undo for 30 days on the web).",
    )
    fields = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        help_text="Field name → id of the record whose value is kept (the fuller value by default).",
    )
    resolutions = serializers.DictField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="Answers to conflicts, as a 409 response lists them: key → choice.",
    )
    versions = serializers.DictField(
        child=serializers.CharField(max_length=40),
        required=False,
        help_text="Record id → updated_at as last read; the merge is refused if a record changed since.",
    )


class MergeResultSerializer(serializers.ModelSerializer):
    kept = serializers.IntegerField(source="kept_id")
    merged = serializers.ListField(source="merged_ids", child=serializers.IntegerField())

    class Meta:
        model = Merge
        fields = ["id", "target", "kept", "merged", "summary", "merged_at"]


def _viewset(target: str):
    noun = "contact" if target == Target.CONTACTS else "organisation"
    model_perms = [f"crm.change_{noun}", f"crm.delete_{noun}", "duplicates.add_merge"]

    class MergeViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
        queryset = Merge.objects.all()
        serializer_class = MergeRequestSerializer
        action_permissions = {"create": model_perms}
        pagination_class = None
        filter_backends = []

        @extend_schema(
            request=MergeRequestSerializer,
            responses={201: MergeResultSerializer},
            summary=f"Merge {noun}s into this one",
            description=(
                f"The {noun}s listed in `merge` are merged into the one in the URL: everything that pointed at "
                "them moves, they are deleted, and the merge can be undone on the web for 30 days. 409 lists "
                "conflicts to answer in `resolutions`, or says a record changed since `versions`."
            ),
        )
        def create(self, request, *args, **kwargs):
            given = MergeRequestSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            data = given.validated_data
            keep_id = kwargs.get("record_pk")
            versions = data.get("versions")
            try:
                merge = services.merge_records(
                    target,
                    keep_id,
                    data["merge"],
                    user=request.user,
                    choices=data.get("fields") or {},
                    versions={int(k): v for k, v in versions.items() if str(k).isdigit()} if versions else None,
                    resolutions=data.get("resolutions") or {},
                )
            except services.ConflictsUnresolved as error:
                return Response(
                    {
                        "detail": str(error),
                        "conflicts": [
                            {"key": key, "question": c.question, "choices": [value for value, _ in c.choices]}
                            for key, c in error.conflicts.items()
                        ],
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            except services.StaleRecords as error:
                return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
            except services.MergeError as error:
                code = status.HTTP_404_NOT_FOUND if "no longer exists" in str(error) else status.HTTP_400_BAD_REQUEST
                return Response({"detail": str(error)}, status=code)
            return Response(MergeResultSerializer(merge).data, status=status.HTTP_201_CREATED)

    MergeViewSet.__name__ = f"{noun.capitalize()}MergeViewSet"
    MergeViewSet.__qualname__ = MergeViewSet.__name__
    return MergeViewSet


def register() -> None:
    """Called from DuplicatesConfig.ready()."""
    for target, prefix in ((Target.CONTACTS, "contacts"), (Target.ORGANISATIONS, "organisations")):
        register_api_resource(
            ApiResource(f"{prefix}/<int:record_pk>/merge", _viewset(target), f"{prefix.removesuffix('s')}-merge")
        )
