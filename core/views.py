"""The generic pages every app builds its lists, exports and forms from.

An object view first looks its object up through the app's scoped selector (so another
bureau's record is a 404, exactly like a missing one), then checks the permission (403
for a role that may not do this). Menus hide what a role cannot use; these mixins are
what actually refuses it.

A list page is a filter, columns (core.listing) and a selector's queryset; an export is
the same selector and filter written to Excel (core.exports); a form page shows one form
with a title and a way back. Each app's views only name their selector, filter, columns,
permission and service.
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from core import exports, inputs, listing
from core.history import history_of, history_visible

PAGE_SIZE = 25
ALL = _("全部")


class PermissionMixin(PermissionRequiredMixin):
    """Refuse with 403 (not a login redirect) when a logged-in user lacks the permission.

    The refusal carries the permissions the page needs, so the 403 page can name the roles
    that hold them (config.views.permission_denied)."""

    raise_exception = True

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            try:
                needed = self.get_permission_required()
            except ImproperlyConfigured:
                needed = ()
            raise PermissionDenied(*needed)
        return super().handle_no_permission()


class ScopedObjectMixin(PermissionMixin):
    """Fetch ``self.object`` with ``get_scoped_object()`` before checking permissions."""

    # The app's selector that fetches one record for a user: ``selector(user=, pk=)``,
    # declared as a staticmethod; a view that finds its record otherwise overrides
    # get_scoped_object.
    object_selector = None

    def get_scoped_object(self):
        return self.object_selector(user=self.request.user, pk=self.kwargs["pk"])

    def get_object(self, queryset=None):
        return self.object

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_scoped_object()
        return super().dispatch(request, *args, **kwargs)


class ServiceFormMixin:
    """``form_valid`` hands the data to one service; its ``ValidationError`` becomes form errors.

    A view defines ``perform(form)`` returning the saved object (or a redirect target),
    and optionally ``warnings(obj)`` and ``success_message``.
    """

    success_message = ""
    form_takes_user = True  # the form narrows its choices to the user's bureau

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_takes_user:
            kwargs["user"] = self.request.user
        if "data" in kwargs:
            # Line breaks of every kind become a line feed (core.inputs).
            kwargs["data"] = inputs.normalise_data(kwargs["data"])
        return kwargs

    def perform(self, form):  # pragma: no cover - every view defines it
        raise NotImplementedError

    def warnings(self, obj) -> list[str]:
        return []

    def form_valid(self, form):
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.shortcuts import redirect

        # Control characters and dates out of range are refused beside their fields.
        if inputs.form_refusals(form):
            return self.form_invalid(form)
        try:
            obj = self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        for warning in self.warnings(obj):
            messages.warning(self.request, warning)
        return redirect(self.get_success_url_for(obj))

    def get_success_url_for(self, obj):
        return obj.get_absolute_url()


def add_service_errors(form, exc) -> None:
    """Put a service's errors beside the form's fields (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ListPageView(PermissionMixin, FilterView):
    """A filtered, sorted, paginated list of one kind of record (see core.listing).

    An app's list page is only a declaration (permission, selector, columns, filter,
    title, links, default sort), so list pages read alike line for line by design.
    """

    template_name = "core/list.html"
    per_page = PAGE_SIZE
    title = ""
    create_url = ""
    create_permission = ""
    export_url = ""
    table_id = ""
    empty_text = _("没有符合条件的记录。")
    default_sort = ""

    # Each list declares these two, as staticmethods: its app's list selector, called with
    # the requesting user, and the function that names its columns (the app's tables.py).
    selector = None
    columns = None

    def get_queryset(self):
        return self.selector(user=self.request.user)

    @classmethod
    def filtered(cls, request, query: str = ""):
        """The rows this list shows ``request.user`` for the query string ``query``
        (None when the user may not open the list or the query is invalid)."""
        view = cls()
        view.setup(request)
        if not view.has_permission():
            return None
        filterset = cls.filterset_class(
            QueryDict(query), queryset=view.get_queryset(), request=request, user=request.user
        )
        return filterset.qs if filterset.is_valid() else None

    @classmethod
    def count_matching(cls, request, query: str = "") -> int | None:
        """How many rows the list shows for ``query``: what 我的待办 counts (one query)."""
        rows = cls.filtered(request, query)
        return None if rows is None else rows.count()

    def get_columns(self) -> list[listing.Column]:
        return self.columns()

    def totals_queryset(self, queryset):
        """The filtered rows the 合计 row sums (a list whose amounts are annotated only for
        the page's rows annotates them here, for the sum's one query)."""
        return queryset

    def decorate(self, records: list) -> list:
        """Add what the page's rows need beyond the list query (one query, page rows only)."""
        return records

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["user"] = self.request.user
        return kwargs

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        for field in filterset.form.fields.values():
            widget = field.widget
            # A filter left empty shows every row: say 全部, not ---------, nor 未知 for a
            # yes/no filter.
            choices = getattr(widget, "choices", None)
            if choices:
                widget.choices = [
                    ("", ALL) if value in ("", None) else (value, label)
                    for value, label in list(choices)
                ]
            css = (
                "form-select form-select-sm"
                if widget.input_type == "select"
                else "form-control form-control-sm"
            )
            widget.attrs["class"] = css
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns = self.get_columns()
        sort, order_by = listing.ordering(columns, self.request.GET.get("sort"), self.default_sort)
        page = listing.page_of(
            self.object_list.order_by(*order_by),
            number=self.request.GET.get("page"),
            per_page=self.per_page,
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title,
            create_url=self.create_url,
            can_create=bool(self.create_permission)
            and self.request.user.has_perm(self.create_permission),
            export_url=self.export_url,
            headers=listing.headers(columns, sort, self.request.GET.copy()),
            rows=listing.rows(columns, self.decorate(list(page.object_list))),
            footer=listing.footer(
                columns, listing.totals(columns, self.totals_queryset(self.object_list))
            ),
            page_obj=page,
            query=query.urlencode(),
            table_id=self.table_id,
            empty_text=self.empty_text,
        )
        return context


class ExportView(PermissionMixin, View):
    """An Excel export of a list page: the same selector, the same filters."""

    filterset_class = None
    filename = ""

    def get_queryset(self):  # pragma: no cover - every export defines it
        raise NotImplementedError

    def build(self, queryset, filters: dict):  # pragma: no cover - every export defines it
        raise NotImplementedError

    def get(self, request):
        filterset = self.filterset_class(
            request.GET, queryset=self.get_queryset(), user=request.user
        )
        if not filterset.is_valid():
            # The list page shows no rows for an invalid filter; an export that ignored it
            # would hand over every record instead.
            return HttpResponseBadRequest(
                filter_errors(filterset.form), content_type="text/plain; charset=utf-8"
            )
        workbook = self.build(filterset.qs, filterset.form.cleaned_data)
        exports.caption(workbook, filter_line(filterset.form))
        return exports.workbook_response(workbook, str(self.filename))


def filter_line(form) -> str:
    """The filters a list or an export used, as one line: "筛选条件：年度：2024；状态：审核中"."""
    parts = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        if isinstance(value, bool):
            shown = _("是") if value else _("否")
        elif hasattr(value, "isoformat"):
            shown = value.isoformat()
        elif getattr(field, "choices", None) and not hasattr(value, "pk"):
            shown = dict(field.choices).get(value, value)
        else:
            shown = value
        parts.append(f"{field.label}：{shown}")
    text = "；".join(parts) if parts else _("全部")
    return _("筛选条件：%(filters)s") % {"filters": text}


def filter_errors(form) -> str:
    """The errors of a filter form as one line: "筛选条件有误，未导出：年度：输入一个数字。"."""
    parts = [
        f"{form.fields[name].label}：{error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]
    return _("筛选条件有误，未导出：%(errors)s") % {"errors": "；".join(parts)}


class FormPageMixin:
    """One form on the shared form page: a title and a link back to the record.

    ``title`` may name the page's record as ``%(object)s`` or by its model's name
    (``%(contract)s``); the cancel link leads back to that record when the page has one.
    """

    template_name = "core/form.html"
    title = ""
    multipart = False

    def get_title(self):
        record = getattr(self, "object", None)
        if record is None:
            return self.title
        return self.title % {"object": record, record._meta.model_name: record}

    def get_cancel_url(self) -> str:
        record = getattr(self, "object", None)
        return record.get_absolute_url() if record is not None else ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.get_title(), cancel_url=self.get_cancel_url(), multipart=self.multipart
        )
        return context


class CreatePageView(ServiceFormMixin, PermissionMixin, FormPageMixin, FormView):
    """A form that records something new: ``perform(form)`` calls the create service."""


class EditPageView(ServiceFormMixin, ScopedObjectMixin, FormPageMixin, FormView):
    """A form that changes ``self.object`` (a model form bound to that record).

    A form sent back unchanged saves nothing and says so, instead of 已保存."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def form_valid(self, form):
        if not form.has_changed():
            messages.info(self.request, _("没有修改，未保存。"))
            return redirect(self.get_success_url_for(self.object))
        return super().form_valid(form)


class ActionPageView(ServiceFormMixin, ScopedObjectMixin, FormPageMixin, FormView):
    """A form that acts on ``self.object`` without editing it."""


class RecordDetailView(ScopedObjectMixin, DetailView):
    """One record's page, with its change history for the roles that review."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_history"] = history_visible(self.request.user)
        if context["show_history"]:
            context["history"] = history_of(self.object)
        return context


class TransitionMixin:
    """A status change of ``self.object`` from its page's form (``to_status``, ``reason``).

    Each move needs its own permission, which the app's transition service checks; the
    page itself needs only ``view_permission``. ``moved_message`` names the new status.
    """

    view_permission = ""
    moved_message = ""

    def has_permission(self):
        return self.request.user.has_perm(self.view_permission)

    def transition(self, *, to_status, reason):  # pragma: no cover - every view defines it
        raise NotImplementedError

    def perform(self, form):
        record = self.transition(
            to_status=form.cleaned_data["to_status"], reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, self.moved_message % {"status": record.get_status_display()})
        return record


class RecordActionView(ActionPageView):
    """An action on ``self.object`` titled "<action>：<record>"; back to the record after."""

    def get_title(self):
        return f"{self.title}：{self.object}"

    def get_success_url_for(self, obj):
        return self.object.get_absolute_url()
