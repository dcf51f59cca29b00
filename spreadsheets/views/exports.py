"""Download any list as CSV or XLSX with the list's current filters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect

from spreadsheets import exports, services


@login_required
def export(request, target):
    """CSV streams (flat memory at any size); XLSX is built in a temporary file first. Above
    SPREADSHEET_BACKGROUND_ROWS rows the file is made by a background job instead."""
    try:
        spec = exports.get_target(target)
    except exports.UnknownTarget as error:
        raise Http404(str(error)) from None
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    fmt = request.GET.get("format", "csv").strip().lower() or "csv"
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(
            f"Unknown export format “{fmt}”: choose csv or xlsx.",
            content_type="text/plain; charset=utf-8",
        )
    data = request.GET.copy()
    for key in exports.IGNORED_KEYS:
        data.pop(key, None)
    try:
        queryset = exports.filtered_queryset(
            spec,
            data,
            request=request,
            include_do_not_contact=exports.wants_do_not_contact(request.GET),
        )
    except exports.InvalidFilter as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    total = queryset.count()
    if total > services.background_rows():
        job = services.start_export_job(
            user=request.user,
            target=spec.name,
            file_format=fmt,
            filters=data,
            include_do_not_contact=exports.wants_do_not_contact(request.GET),
            total=total,
        )
        messages.info(
            request,
            f"{total} rows: the file is being made in the background. "
            "You can leave this page and come back to it from Recent jobs.",
        )
        return redirect(job)
    stream = exports.RowStream(spec, queryset)
    filename = exports.export_filename(spec, fmt)
    if fmt == "xlsx":
        return FileResponse(
            exports.xlsx_tempfile(stream),
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(exports.iter_csv(stream), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
