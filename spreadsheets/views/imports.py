"""The import wizard (upload → map → dry run → commit), the import history and undo.

The views stay thin: parsing, planning, committing and undoing are the import engine's
(spreadsheets.importing, shared with the CLI); the uploaded bytes wait between steps in
spreadsheets.uploads.
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import DetailView
from django_tables2 import SingleTableView

from crm.models import ImportBatch, ImportMapping
from spreadsheets import importing, services, uploads
from spreadsheets.forms import IGNORE_LABEL, MODE_CHOICES, ColumnMappingForm, ImportConfirmForm, ImportUploadForm
from spreadsheets.tables import ImportBatchTable

SHOW_AT_MOST = 200
SAMPLES = 3
JOBS_KEY = "import_upload_jobs"  # token → background job, for a repeated POST of the confirm button


# ---------------------------------------------------------------- history


class ImportListView(PermissionRequiredMixin, SingleTableView):
    permission_required = "crm.view_importbatch"
    model = ImportBatch
    table_class = ImportBatchTable
    table_pagination = {"per_page": 25}
    template_name = "spreadsheets/imports/list.html"

    def get_queryset(self):
        return ImportBatch.objects.select_related("created_by").defer("errors", "created_records", "changed_records")


class ImportDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "crm.view_importbatch"
    model = ImportBatch
    template_name = "spreadsheets/imports/detail.html"
    context_object_name = "batch"

    def get_queryset(self):
        return ImportBatch.objects.select_related("created_by")

    def get_context_data(self, **kwargs):
        batch = self.object
        created = {model_name(label): len(ids or []) for label, ids in (batch.created_records or {}).items()}
        labels = field_labels(batch.target)
        errors = batch.errors or []
        return super().get_context_data(
            created=created,
            created_total=sum(created.values()),
            changed_total=len(batch.changed_records or []),
            mapping_rows=[(header, labels.get(field, field)) for header, field in (batch.mapping or {}).items()],
            errors=errors[:SHOW_AT_MOST],
            error_total=len(errors),
            mode_label=dict(MODE_CHOICES).get(batch.mode, batch.mode or "—"),
            ignore_label=IGNORE_LABEL,
            **kwargs,
        )


def model_name(label):
    """'crm.contact' → 'contacts', for people rather than programmers."""
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


def field_labels(target):
    try:
        return {f.name: f.label for f in importing.target_fields(target)}
    except Exception:  # an unknown target on an old batch: show the raw names
        return {}


class ImportUndoView(PermissionRequiredMixin, View):
    """GET asks for confirmation; POST undoes the batch or says why it cannot."""

    permission_required = "crm.change_importbatch"

    def get(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if batch.status == ImportBatch.Status.UNDONE:
            messages.info(request, "This import has already been undone.")
            return redirect(batch)
        created = sum(len(ids or []) for ids in (batch.created_records or {}).values())
        return render(
            request,
            "spreadsheets/imports/undo_confirm.html",
            {
                "batch": batch,
                "created_total": created,
                "changed_total": len(batch.changed_records or []),
            },
        )

    def post(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if batch.status == ImportBatch.Status.UNDONE:
            messages.info(request, "This import has already been undone.")
            return redirect(batch)
        try:
            importing.undo_import(batch, user=request.user)
        except importing.ImportUndoRefused as refused:
            messages.error(request, f"Nothing was undone: {refused}")
            return redirect(batch)
        messages.success(request, f"Import #{batch.pk} undone: created records deleted and changed records restored.")
        return redirect(batch)


# ---------------------------------------------------------------- wizard


class WizardMixin(PermissionRequiredMixin):
    permission_required = "crm.add_importbatch"

    def load(self, token):
        """(meta, table) for this session's upload, or (None, redirect) when it is gone."""
        meta = uploads.get_upload(self.request.session, token)
        if meta is None:
            return None, self.gone(token)
        try:
            table = importing.read_table(uploads.read_upload(token), meta["file_name"])
        except (importing.ImportRejected, FileNotFoundError) as rejected:
            uploads.finish_upload(self.request.session, token)
            messages.error(self.request, f"The file can no longer be read: {rejected}")
            return None, redirect("spreadsheets:import_upload")
        return meta, table

    def gone(self, token):
        job_id = self.request.session.get(JOBS_KEY, {}).get(token)
        if job_id:
            messages.info(self.request, "This file is already being imported in the background.")
            return redirect("spreadsheets:job_detail", pk=job_id)
        batch_id = uploads.done_batch_id(self.request.session, token)
        if batch_id:
            messages.info(self.request, "This file has already been imported.")
            if ImportBatch.objects.filter(pk=batch_id).exists():
                return redirect("spreadsheets:import_detail", pk=batch_id)
            return redirect("spreadsheets:import_list")
        messages.warning(self.request, "That upload has expired or was already used. Please upload the file again.")
        return redirect("spreadsheets:import_upload")

    def fields(self, target):
        return list(importing.target_fields(target))


class ImportUploadView(WizardMixin, View):
    template_name = "spreadsheets/imports/upload.html"

    def get(self, request):
        return self.show(ImportUploadForm())

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.show(form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            table = importing.read_table(data, upload.name)
        except importing.ImportRejected as rejected:
            form.add_error("file", str(rejected))
            return self.show(form)
        saved = form.cleaned_data["saved_mapping"]
        token = uploads.save_upload(
            request.session,
            data,
            file_name=upload.name,
            target=form.cleaned_data["target"],
            mode=form.cleaned_data["mode"],
            overwrite_blank=form.cleaned_data["overwrite_blank"],
            saved_mapping=saved.pk if saved else None,
            encoding=getattr(table, "encoding", ""),
            delimiter=getattr(table, "delimiter", ""),
            row_count=len(table.rows),
        )
        return redirect("spreadsheets:import_map", token=token)

    def show(self, form):
        return render(self.request, self.template_name, {"form": form, "step": 1})


def describe_delimiter(delimiter):
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delimiter, delimiter or "—")


class ImportMapView(WizardMixin, View):
    template_name = "spreadsheets/imports/map.html"

    def initial_mapping(self, meta, table):
        mapping = dict(importing.auto_map(meta["target"], table.headers, table.rows))
        if meta.get("mapping"):
            mapping.update({h: f for h, f in meta["mapping"].items() if h in mapping})
        elif meta.get("saved_mapping"):
            saved = ImportMapping.objects.filter(pk=meta["saved_mapping"], target=meta["target"]).first()
            if saved:
                mapping.update({h: f for h, f in saved.mapping.items() if h in mapping})
        return mapping

    def get(self, request, token):
        meta, table = self.load(token)
        if meta is None:
            return table
        mapping = self.initial_mapping(meta, table)
        fields = self.fields(meta["target"])
        known = {f.name for f in fields}
        initial = {
            ColumnMappingForm.column_name(i): (mapping.get(h) if mapping.get(h) in known else "")
            for i, h in enumerate(table.headers)
        }
        if meta.get("saved_mapping"):
            saved = ImportMapping.objects.filter(pk=meta["saved_mapping"]).first()
            initial["save_as"] = saved.name if saved else ""
        form = ColumnMappingForm(initial=initial, headers=table.headers, fields=fields)
        return self.show(form, meta, table, token)

    def post(self, request, token):
        meta, table = self.load(token)
        if meta is None:
            return table
        form = ColumnMappingForm(request.POST, headers=table.headers, fields=self.fields(meta["target"]))
        if not form.is_valid():
            return self.show(form, meta, table, token)
        mapping = form.mapping()
        uploads.update_upload(request.session, token, mapping=mapping)
        name = form.cleaned_data["save_as"].strip()
        if name:
            if not request.user.has_perm("crm.add_importmapping"):
                messages.warning(request, "You may not save mappings; this one is used for this import only.")
            else:
                saved, created = ImportMapping.objects.update_or_create(
                    target=meta["target"],
                    name=name,
                    defaults={"mapping": mapping, "created_by": request.user},
                )
                uploads.update_upload(request.session, token, saved_mapping=saved.pk)
                messages.success(request, f"Mapping “{name}” {'saved' if created else 'updated'}.")
        return redirect("spreadsheets:import_preview", token=token)

    def show(self, form, meta, table, token):
        samples = []
        for index in range(len(table.headers)):
            values = []
            for row in table.rows:
                value = row[index].strip() if index < len(row) and row[index] else ""
                if value:
                    values.append(value if len(value) <= 60 else value[:57] + "…")
                if len(values) == SAMPLES:
                    break
            samples.append(values)
        fields = self.fields(meta["target"])
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "step": 2,
                "meta": meta,
                "token": token,
                "columns": list(zip(table.headers, form.column_fields(), samples)),
                "required_fields": [f for f in fields if f.required],
                "delimiter_label": describe_delimiter(meta.get("delimiter")),
                "row_count": len(table.rows),
                "target_label": dict(ImportBatch.Target.choices).get(meta["target"], meta["target"]),
            },
        )


class PlanMixin(WizardMixin):
    def plan(self, meta, table):
        mapping = meta.get("mapping")
        if mapping is None:
            mapping = importing.auto_map(meta["target"], table.headers, table.rows)
        return importing.plan_import(
            meta["target"],
            table,
            mapping,
            mode=meta.get("mode", "create_update"),
            overwrite_blank=bool(meta.get("overwrite_blank")),
        )

    def plan_or_back(self, token, meta, table):
        """The plan, or a redirect to the mapping step with the engine's reason."""
        try:
            return self.plan(meta, table), None
        except importing.ImportRejected as rejected:
            messages.error(self.request, str(rejected))
            return None, redirect("spreadsheets:import_map", token=token)


class ImportPreviewView(PlanMixin, View):
    template_name = "spreadsheets/imports/preview.html"

    def get(self, request, token):
        meta, table = self.load(token)
        if meta is None:
            return table
        if meta.get("mapping") is None:
            return redirect("spreadsheets:import_map", token=token)
        plan, back = self.plan_or_back(token, meta, table)
        if back:
            return back
        form = ImportConfirmForm(error_count=plan.counts.get("errors", 0))
        # What the person saw, so a background commit can check the confirmation without re-planning.
        uploads.update_upload(request.session, token, previewed_errors=plan.counts.get("errors", 0))
        return render_preview(request, token, meta, plan, form)


def render_preview(request, token, meta, plan, form, status=200):
    counts = plan.counts
    labels = field_labels(meta["target"])
    diffs = [
        {
            "line": d.get("line"),
            "label": d.get("label"),
            "changes": [
                (labels.get(field, field), change[0], change[1]) for field, change in d.get("changes", {}).items()
            ],
        }
        for d in list(plan.diffs)[:SHOW_AT_MOST]
    ]
    diff_total = len(plan.diffs)
    errors = list(plan.errors)
    return render(
        request,
        "spreadsheets/imports/preview.html",
        {
            "step": 3,
            "token": token,
            "meta": meta,
            "form": form,
            "counts": counts,
            "to_import": counts.get("new", 0) + counts.get("updated", 0),
            "count_cards": [
                (key, label, colour, counts.get(key, 0))
                for key, label, colour in (
                    ("new", "New", "success"),
                    ("updated", "Updated", "primary"),
                    ("unchanged", "Unchanged", "secondary"),
                    ("skipped", "Skipped", "warning"),
                    ("errors", "Errors", "danger"),
                )
            ],
            "errors": errors[:SHOW_AT_MOST],
            "error_total": len(errors),
            "diffs": diffs,
            "diff_total": diff_total,
            "look_alikes": importing.look_alikes(plan),
            "look_alike_limit": importing.engine.MAX_LOOK_ALIKE_ROWS,
            "show_at_most": SHOW_AT_MOST,
            "mode_label": dict(MODE_CHOICES).get(meta.get("mode"), meta.get("mode")),
            "target_label": dict(ImportBatch.Target.choices).get(meta["target"], meta["target"]),
            "background": (meta.get("row_count") or 0) > services.background_rows(),
        },
        status=status,
    )


class ImportCommitView(PlanMixin, View):
    """POST only. Claims the stored file atomically so a second click imports nothing."""

    def get(self, request, token):
        return redirect("spreadsheets:import_preview", token=token)

    def post(self, request, token):
        meta = uploads.get_upload(request.session, token)
        if meta is not None and (meta.get("row_count") or 0) > services.background_rows():
            return self.start_in_background(request, token, meta)
        meta, table = self.load(token)
        if meta is None:
            return table
        plan, back = self.plan_or_back(token, meta, table)
        if back:
            return back
        form = ImportConfirmForm(request.POST, error_count=plan.counts.get("errors", 0))
        if not form.is_valid():
            return render_preview(request, token, meta, plan, form, status=400)
        if uploads.claim_upload(token) is None:
            return self.gone(token)
        try:
            batch = importing.commit_import(
                plan, user=request.user, file_name=meta["file_name"], mapping=meta.get("mapping")
            )
        except importing.ImportRejected as rejected:
            uploads.release_upload(token)
            messages.error(request, f"Nothing was imported: {rejected}")
            return redirect("spreadsheets:import_preview", token=token)
        except Exception:
            uploads.release_upload(token)
            raise
        uploads.finish_upload(request.session, token, batch_id=batch.pk)
        messages.success(
            request,
            f"Imported: new={batch.new_count} updated={batch.updated_count} "
            f"unchanged={batch.unchanged_count} skipped={batch.skipped_count} "
            f"errors={batch.error_count}.",
        )
        return redirect(batch)

    def start_in_background(self, request, token, meta):
        """A long file: check the confirmation against the preview shown, queue the commit, return."""
        if meta.get("mapping") is None or "previewed_errors" not in meta:
            return redirect("spreadsheets:import_preview", token=token)
        form = ImportConfirmForm(request.POST, error_count=meta["previewed_errors"])
        if not form.is_valid():
            for error in form.non_field_errors():
                messages.error(request, error)
            return redirect("spreadsheets:import_preview", token=token)
        claimed = uploads.claim_upload(token)
        if claimed is None:
            return self.gone(token)
        try:
            job = services.start_import_job(
                user=request.user, upload=claimed, meta=meta, skip_errors=form.cleaned_data.get("skip_errors", False)
            )
        except Exception:
            uploads.release_upload(token)
            raise
        uploads.finish_upload(request.session, token)
        jobs = dict(request.session.get(JOBS_KEY, {}))
        jobs[token] = job.pk
        request.session[JOBS_KEY] = dict(list(jobs.items())[-uploads.DONE_KEEP :])
        messages.info(
            request,
            f"The import of {job.file_name} runs in the background: you can leave this page "
            "and come back to it from Recent jobs.",
        )
        return redirect(job)
