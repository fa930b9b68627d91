"""Admin for the policy catalogue and the working-day calendar.

Published versions are shown read-only (fields and inlines); a POST that
tries to change one anyway is refused with the services' message and saves
nothing. Content changes go through "create a new draft from this version",
edit, then the "publish" action.
"""

import chinese_calendar
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.admin import ReadOnlyAdmin
from core.exceptions import ApplicationError

from . import services
from .models import (
    CalendarDay,
    CalendarYear,
    Certainty,
    ImportedClause,
    Jurisdiction,
    PolicyAuditEntry,
    PolicyDocument,
    PolicyItem,
    PolicyVersion,
    StageTimeLimit,
    TimeLimitStage,
    TimeUnit,
)
from .procedure import procedure_validate
from .selectors import (
    adoption_preview,
    adoption_templates,
    jurisdiction_admin_can,
    jurisdiction_open_draft,
    policy_version_compare,
    policy_version_copied_items,
)

COMPARE_NEEDS_TWO = gettext_noop("Select exactly two versions to compare.")
COPY_ADOPTED = gettext_noop("Adopted as this version's own: %(item)s.")
COPY_DELETED = gettext_noop("Deleted the copied item %(item)s.")
ADOPTED = gettext_noop(
    "Adopted %(items)s items and %(limits)s time limits of %(template)s into %(draft)s. Every one is marked "
    "参照同类规定拟定（待核定） or 示例默认（待核定） until you confirm it against your own 办法.")
CONFIRMED = gettext_noop("Confirmed against your text: %(item)s.")
TEMPLATE_LABEL = gettext_noop("%(jurisdiction)s · 《%(title)s》 version %(number)s (%(kind)s)")


def _library_years() -> tuple[int, int]:
    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]


class AdoptTemplateForm(forms.Form):
    """A published version of another jurisdiction adopted as the template
    of this jurisdiction's draft (issue 16)."""

    template = forms.ModelChoiceField(label=gettext_lazy("Template"), queryset=PolicyVersion.objects.none(),
                                      empty_label=None, widget=forms.RadioSelect)
    title = forms.CharField(label=gettext_lazy("Title of your own 办法"), max_length=300,
                            error_messages={"required": gettext_lazy(services.ERR_ADOPT_TITLE)},
                            help_text=gettext_lazy("Letters under the draft cite this title (对照《…》有关条款)."))
    document_number = forms.CharField(label=gettext_lazy("document number"), max_length=100, required=False)
    issuer = forms.CharField(label=gettext_lazy("issuer"), max_length=200, required=False)
    effective_from = forms.DateField(label=gettext_lazy("effective from"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text=gettext_lazy("Empty: today (or after your version in force)."))

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        field.queryset = PolicyVersion.objects.filter(pk__in=[t.pk for t in templates])
        labels = {t.pk: _template_label(t) for t in templates}
        field.choices = [(t.pk, labels[t.pk]) for t in templates]


def _template_label(version) -> str:
    return _(TEMPLATE_LABEL) % {
        "jurisdiction": version.document.jurisdiction.name, "title": version.document.title,
        "number": version.number,
        "kind": _("shipped example") if getattr(version, "shipped", False) else _("published version")}


class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "org_unit", "case_prefix", "letter_prefix", "issuing_body")
    search_fields = ("code", "name")
    list_select_related = ("org_unit",)
    raw_id_fields = ("org_unit",)
    change_form_template = "policies/admin_jurisdiction_change.html"

    def get_urls(self):
        return [
            path("<int:pk>/adopt/", self.admin_site.admin_view(self.adopt_view), name="policies_jurisdiction_adopt"),
            *super().get_urls(),
        ]

    def adopt_view(self, request, pk):
        """Pick a shipped catalogue or another jurisdiction's published
        version, see what will be copied, name the jurisdiction's own 办法
        and adopt: the draft opens on its page, each item to be confirmed."""
        jurisdiction = Jurisdiction.objects.filter(pk=pk).select_related("org_unit").first()
        if jurisdiction is None:
            return redirect("admin:index")
        if not (request.user.has_perm("policies.add_policyversion")
                and jurisdiction_admin_can(user=request.user, jurisdiction=jurisdiction)):
            raise PermissionDenied
        templates = adoption_templates(jurisdiction=jurisdiction)
        data = request.POST if request.method == "POST" else None
        initial = {"template": request.GET.get("template")} if request.GET.get("template") else None
        form = AdoptTemplateForm(data, initial=initial, templates=templates)
        chosen = request.POST.get("template") or request.GET.get("template")
        template = next((t for t in templates if str(t.pk) == str(chosen)), None)
        status, refusal = 200, ""
        if data is not None and form.is_valid():
            values = form.cleaned_data
            try:
                draft = services.policy_version_adopt_template(
                    jurisdiction=jurisdiction, template=values["template"], actor=request.user,
                    title=values["title"], document_number=values["document_number"], issuer=values["issuer"],
                    effective_from=values["effective_from"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except ApplicationError as exc:
                if exc.status_code == 403:
                    raise PermissionDenied(exc.message) from exc
                status, refusal = exc.status_code, exc.message
            else:
                self.message_user(request, _(ADOPTED) % {
                    "items": draft.items.count(), "limits": draft.time_limits.count(),
                    "template": values["template"], "draft": draft}, messages.SUCCESS)
                return redirect(reverse("admin:policies_policyversion_change", args=[draft.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": jurisdiction,
            "title": _("Adopt a template into a new draft of %(jurisdiction)s") % {"jurisdiction": jurisdiction},
            "form": form, "preview": adoption_preview(template) if template else None,
            "template_label": _template_label(template) if template else "",
            "open_draft": jurisdiction_open_draft(jurisdiction), "refusal": refusal,
        }
        return TemplateResponse(request, "policies/admin_adopt.html", context, status=status)


class DocumentImportForm(forms.Form):
    """Upload of a jurisdiction's own 办法 (issue 16)."""

    file = forms.FileField(label=gettext_lazy("办法 document (DOCX, or PDF with a text layer)"), required=False)
    text = forms.CharField(label=gettext_lazy("or paste its text"), required=False,
                           widget=forms.Textarea(attrs={"rows": 12, "cols": 80}))
    effective_from = forms.DateField(label=gettext_lazy("effective from"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    time_limits_from = forms.ModelChoiceField(
        label=gettext_lazy("Lend the stage time limits of"), required=False, queryset=PolicyVersion.objects.none(),
        help_text=gettext_lazy("Until the 办法's own limits are classified, the draft keeps these (with their "
                               "certainty); publishing then asks for the explicit confirmation."),
    )

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_limits_from"].queryset = PolicyVersion.objects.filter(
            status=PolicyVersion.Status.PUBLISHED).select_related("document__jurisdiction")


class PolicyDocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "jurisdiction", "number", "issuer", "code")
    list_filter = ("jurisdiction",)
    search_fields = ("title", "code", "number")
    list_select_related = ("jurisdiction",)
    change_form_template = "policies/admin_document_change.html"

    def get_urls(self):
        return [
            path("<int:pk>/import/", self.admin_site.admin_view(self.import_view),
                 name="policies_policydocument_import"),
            *super().get_urls(),
        ]

    def import_view(self, request, pk):
        """Import the 办法 into a new draft whose clauses the admin then
        classifies on the draft's page."""
        document = PolicyDocument.objects.filter(pk=pk).first()
        if document is None or not self.has_change_permission(request, document):
            return redirect("admin:index")
        form = DocumentImportForm(request.POST or None, request.FILES or None, document=document)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                draft = services.policy_document_import(
                    document=document, actor=request.user, effective_from=form.cleaned_data["effective_from"],
                    text=form.cleaned_data["text"] or None, file_name=upload.name if upload else "",
                    data=upload.read() if upload else None,
                    time_limits_from=form.cleaned_data["time_limits_from"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(request, _("Imported %(n)s clauses into %(version)s: classify each of them.")
                                  % {"n": draft.imported_clauses.count(), "version": draft}, messages.SUCCESS)
                return redirect(reverse("admin:policies_policyversion_change", args=[draft.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": document,
            "title": _("Import the 办法 into a new draft"), "form": form,
        }
        return TemplateResponse(request, "policies/admin_import.html", context)


class _PublishedGuardFormSet(forms.BaseInlineFormSet):
    """Refuses any change to the lists of a published version."""

    def clean(self):
        super().clean()
        if self.instance.pk and self.has_changed():
            try:
                services.policy_version_assert_editable(version=self.instance)
            except ApplicationError as exc:
                raise ValidationError(exc.message) from exc


class _VersionChildInline(admin.TabularInline):
    formset = _PublishedGuardFormSet
    extra = 0

    def _published(self, obj) -> bool:
        return bool(obj and obj.is_published)

    def has_add_permission(self, request, obj=None):
        return not self._published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._published(obj) and super().has_delete_permission(request, obj)


class PolicyItemInline(_VersionChildInline):
    model = PolicyItem
    fields = ("kind", "number", "article", "title", "text", "source", "certainty", "default_duration_months",
              "exempt_duration_months", "duration_certainty", "confirmed_at", "confirmed_by")
    readonly_fields = ("confirmed_at", "confirmed_by")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("text", "source") and field is not None:
            field.widget.attrs.update({"rows": 2, "cols": 40})
        return field


class StageTimeLimitForm(forms.ModelForm):
    class Meta:
        model = StageTimeLimit
        fields = ("stage", "amount", "unit", "extension_allowed", "extension_max", "source", "certainty")

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("stage"):
            try:
                services.time_limit_validate(
                    stage=data["stage"], amount=data.get("amount"), unit=data.get("unit"),
                    extension_allowed=bool(data.get("extension_allowed")),
                    extension_max=data.get("extension_max") or 0, certainty=data.get("certainty"),
                )
            except ValidationError as exc:
                raise ValidationError(exc.message_dict) from exc
        return data


class StageTimeLimitInline(_VersionChildInline):
    model = StageTimeLimit
    form = StageTimeLimitForm


class ImportedClauseForm(forms.ModelForm):
    item_title = forms.CharField(label=gettext_lazy("title"), required=False, max_length=200)

    class Meta:
        model = ImportedClause
        fields = ("kind", "stage", "amount", "unit", "procedure_key")
        widgets = {"stage": forms.Select(choices=[("", "—"), *TimeLimitStage.choices]),
                   "unit": forms.Select(choices=[("", "—"), *TimeUnit.choices]),
                   "procedure_key": forms.Select(choices=[("", "—")] + [
                       (k, k) for k in services.CLAUSE_PROCEDURE_KEYS])}


class ImportedClauseInline(admin.TabularInline):
    """The clauses of an imported 办法: each verbatim with its article; the
    admin classifies it once (services.imported_clause_classify)."""

    model = ImportedClause
    form = ImportedClauseForm
    fields = ("seq", "article", "text", "kind", "item_title", "stage", "amount", "unit", "procedure_key", "item")
    readonly_fields = ("seq", "article", "text", "item")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_published) and super().has_change_permission(request, obj)


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ("document", "number", "effective_from", "effective_to", "start_rule",
                  "quorum_numerator", "quorum_denominator", "notes", "procedure")
        help_texts = {"procedure": gettext_lazy(
            "The procedure variants of this 办法, each with its source (see policies/procedure.py): "
            "unit_review, correction, preliminary_notice, hearing, joint_ruling, majority, review, appeal, "
            "disclosure, statements. Empty: nothing configured, and nothing is printed from it.")}

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            try:
                services.policy_version_assert_editable(version=self.instance)
            except ApplicationError as exc:
                raise ValidationError(exc.message) from exc
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            raise ValidationError({"effective_to": _(services.EFFECTIVE_TO_BEFORE_FROM)})
        if "procedure" in self.fields and not self.fields["procedure"].disabled:
            data["procedure"] = data.get("procedure") or {}
            try:
                procedure_validate(data["procedure"])
            except ValidationError as exc:
                self.add_error("procedure", exc.messages)
        return data


class PolicyVersionAdmin(admin.ModelAdmin):
    form = PolicyVersionForm
    list_display = ("__str__", "jurisdiction_name", "number", "status", "effective_from", "effective_to",
                    "published_at")
    list_filter = ("status", "document__jurisdiction")
    list_select_related = ("document__jurisdiction",)
    search_fields = ("document__title", "document__code")
    inlines = (ImportedClauseInline, PolicyItemInline, StageTimeLimitInline)
    actions = ("publish_versions", "publish_versions_unconfirmed", "copy_to_draft", "compare_versions")
    readonly_fields = ("status", "published_at")
    change_form_template = "policies/admin_version_change.html"

    @admin.display(description=gettext_lazy("jurisdiction"), ordering="document__jurisdiction__code")
    def jurisdiction_name(self, obj):
        return obj.document.jurisdiction.name

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.is_published:
            return ("document", "number", "status", "effective_from", "effective_to", "published_at",
                    "start_rule", "quorum_numerator", "quorum_denominator", "notes", "procedure")
        if obj:
            # A version stays with its document and number once created.
            return ("document", "number", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Cases reference versions (PROTECT); a published one is history.
        if obj and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            version = services.policy_version_create(
                document=obj.document, actor=request.user, number=obj.number,
                effective_from=obj.effective_from, start_rule=obj.start_rule, notes=obj.notes,
                quorum_numerator=obj.quorum_numerator, quorum_denominator=obj.quorum_denominator,
                procedure=obj.procedure or {},
            )
            obj.pk = version.pk
            obj._state.adding = False
            return
        services.policy_version_update(
            version=obj, actor=request.user,
            data={f: form.cleaned_data[f] for f in services.VERSION_EDITABLE_FIELDS if f in form.cleaned_data},
        )

    def save_formset(self, request, form, formset, change):
        # Route each row through the services, which refuse published versions.
        version = form.instance
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, PolicyItem):
                services.policy_item_delete(item=obj, actor=request.user)
            else:
                services.stage_time_limit_delete(time_limit=obj, actor=request.user)
        if formset.model is ImportedClause:
            for row in formset.forms:
                clause = row.instance
                if not row.has_changed() or not row.cleaned_data.get("kind"):
                    continue
                original = ImportedClause.objects.get(pk=clause.pk)
                if original.kind:
                    continue
                try:
                    services.imported_clause_classify(
                        clause=original, actor=request.user, kind=row.cleaned_data["kind"],
                        title=row.cleaned_data.get("item_title") or "", stage=row.cleaned_data.get("stage") or "",
                        amount=row.cleaned_data.get("amount"), unit=row.cleaned_data.get("unit") or "",
                        procedure_key=row.cleaned_data.get("procedure_key") or "",
                    )
                except (ValidationError, ApplicationError) as exc:
                    text = exc.message if isinstance(exc, ApplicationError) else "；".join(exc.messages)
                    self.message_user(request, f"{original.article}: {text}", messages.ERROR)
            return
        for obj in instances:
            if isinstance(obj, PolicyItem):
                if obj.pk:
                    services.policy_item_update(
                        item=obj, actor=request.user,
                        data={f: getattr(obj, f) for f in services.ITEM_EDITABLE_FIELDS},
                    )
                else:
                    services.policy_item_create(
                        version=version, actor=request.user, kind=obj.kind, number=obj.number, text=obj.text,
                        certainty=obj.certainty, title=obj.title, source=obj.source,
                        default_duration_months=obj.default_duration_months,
                        exempt_duration_months=obj.exempt_duration_months,
                        duration_certainty=obj.duration_certainty,
                    )
            elif isinstance(obj, StageTimeLimit):
                services.stage_time_limit_set(
                    version=version, actor=request.user, stage=obj.stage, amount=obj.amount, unit=obj.unit,
                    extension_allowed=obj.extension_allowed, extension_max=obj.extension_max,
                    source=obj.source, certainty=obj.certainty,
                )
        formset.save_m2m()

    @admin.action(description=gettext_lazy("Publish the selected drafts"))
    def publish_versions(self, request, queryset, acknowledge_unconfirmed=False):
        for version in queryset.select_related("document"):
            try:
                services.policy_version_publish(version=version, actor=request.user,
                                                acknowledge_unconfirmed=acknowledge_unconfirmed)
            except ApplicationError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Published: %(version)s") % {"version": version}, messages.SUCCESS)

    # The explicit confirmation issue 16 asks for: a separate action whose
    # name says what it does; the audit entry lists what was unconfirmed.
    @admin.action(description=gettext_lazy(
        "Publish the selected drafts, confirming that their unconfirmed items are published as they stand"))
    def publish_versions_unconfirmed(self, request, queryset):
        return self.publish_versions(request, queryset, acknowledge_unconfirmed=True)

    @admin.action(description=gettext_lazy("Create a new draft from the selected version"))
    def copy_to_draft(self, request, queryset):
        drafts = [services.policy_version_create_draft_from(version=v, actor=request.user) for v in queryset]
        for draft in drafts:
            self.message_user(request, _("Draft created: %(version)s") % {"version": draft}, messages.SUCCESS)
        if len(drafts) == 1:
            return redirect(reverse("admin:policies_policyversion_change", args=[drafts[0].pk]))
        return None

    @admin.action(description=gettext_lazy("Compare the two selected versions"))
    def compare_versions(self, request, queryset):
        ids = sorted(queryset.values_list("pk", flat=True))
        if len(ids) != 2:
            self.message_user(request, _(COMPARE_NEEDS_TWO), messages.ERROR)
            return None
        return redirect(f"{reverse('admin:policies_policyversion_compare')}?a={ids[0]}&b={ids[1]}")

    def get_urls(self):
        return [
            path("compare/", self.admin_site.admin_view(self.compare_view), name="policies_policyversion_compare"),
            path("<int:pk>/copies/<int:item_pk>/<str:what>/", self.admin_site.admin_view(self.copy_view),
                 name="policies_policyversion_copy"),
            path("<int:pk>/confirm/<int:item_pk>/", self.admin_site.admin_view(self.confirm_view),
                 name="policies_policyversion_confirm"),
            *super().get_urls(),
        ]

    def copy_view(self, request, pk, item_pk, what):
        """Adopt or delete an item an earlier load copied into this version
        from another jurisdiction (POST from the version's page)."""
        version = PolicyVersion.objects.filter(pk=pk).first()
        back = reverse("admin:policies_policyversion_change", args=[pk])
        if version is None or request.method != "POST" or what not in ("adopt", "delete") \
                or not self.has_change_permission(request, version):
            return redirect("admin:policies_policyversion_changelist")
        item = PolicyItem.all_objects.filter(pk=item_pk, version=version).first()
        if item is None:
            return redirect(back)
        label = f"{item.get_kind_display()} {item.number} {item.title or item.text[:20]}"
        try:
            if what == "adopt":
                services.policy_item_copy_adopt(
                    item=item, actor=request.user, source=request.POST.get("source", ""),
                    article=request.POST.get("article", ""),
                    certainty=request.POST.get("certainty", "verbatim"),
                )
                self.message_user(request, _(COPY_ADOPTED) % {"item": label}, messages.SUCCESS)
            else:
                services.policy_item_copy_delete(item=item, actor=request.user)
                self.message_user(request, _(COPY_DELETED) % {"item": label}, messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, f"{label}: {exc.message}", messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, f"{label}: {'；'.join(exc.messages)}", messages.ERROR)
        return redirect(back)

    def confirm_view(self, request, pk, item_pk):
        """Confirm one item of a draft against the jurisdiction's own text
        (POST from the draft's page): its wording, article and certainty."""
        version = PolicyVersion.objects.filter(pk=pk).first()
        if version is None or request.method != "POST" or not self.has_change_permission(request, version):
            return redirect("admin:policies_policyversion_changelist")
        back = reverse("admin:policies_policyversion_change", args=[pk])
        item = PolicyItem.objects.filter(pk=item_pk, version=version).first()
        if item is None:
            return redirect(back)
        label = f"{item.get_kind_display()} {item.number} {item.title or item.text[:20]}"
        try:
            services.policy_item_confirm(
                item=item, actor=request.user, text=request.POST.get("text") or None,
                article=request.POST.get("article", ""), source=request.POST.get("source", ""),
                certainty=request.POST.get("certainty", "verbatim"))
        except ApplicationError as exc:
            self.message_user(request, f"{label}: {exc.message}", messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, f"{label}: {'；'.join(exc.messages)}", messages.ERROR)
        else:
            self.message_user(request, _(CONFIRMED) % {"item": label}, messages.SUCCESS)
        return redirect(f"{back}#taken-items")

    def compare_view(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        try:
            a = PolicyVersion.objects.get(pk=int(request.GET.get("a", "")))
            b = PolicyVersion.objects.get(pk=int(request.GET.get("b", "")))
        except (ValueError, PolicyVersion.DoesNotExist):
            self.message_user(request, _(COMPARE_NEEDS_TWO), messages.ERROR)
            return redirect("admin:policies_policyversion_changelist")
        diff = policy_version_compare(a=a, b=b)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Compare policy versions"),
            "diff": diff,
        }
        return TemplateResponse(request, "policies/admin_compare.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_published:
            messages.info(request, _(services.PUBLISHED_IMMUTABLE))
        if obj is not None:
            # The items an earlier load copied in from another jurisdiction
            # (hidden everywhere else), each with how many records cite it.
            extra_context = {**(extra_context or {}), "copied_items": [
                (item, services.policy_item_references(item)) for item in policy_version_copied_items(obj)]}
            if not obj.is_published:
                # Copies from a template still to be confirmed one by one.
                extra_context["taken_items"] = list(obj.items.filter(certainty=Certainty.RECONSTRUCTED)
                                                    .exclude(taken_from={}).order_by("kind", "number"))
        return super().change_view(request, object_id, form_url, extra_context)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "name")


class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)

    def delete_model(self, request, obj):
        services.calendar_day_delete(day=obj, actor=request.user)

    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            services.calendar_day_delete(day=CalendarDay.objects.get(pk=obj.pk), actor=request.user)
        day = services.calendar_day_set(actor=request.user, date=obj.date, kind=obj.kind, name=obj.name)
        obj.pk = day.pk
        obj._state.adding = False

    def changelist_view(self, request, extra_context=None):
        first, last = _library_years()
        messages.info(
            request,
            _("The built-in calendar knows the State Council schedule for %(first)s–%(last)s. "
              "Rows here override it; for a later year enter its holidays and 调休 working days, then mark "
              "the year complete under Calendar years. Until then deadlines touching it are flagged.")
            % {"first": first, "last": last},
        )
        _warn_next_year(request)
        return super().changelist_view(request, extra_context)


def _warn_next_year(request):
    """Deadlines set late in the year run into the next one: say so before
    they get flagged."""
    _first, last = _library_years()
    coming = timezone.localdate().year + 1
    if coming > last and not CalendarYear.objects.filter(year=coming, complete=True).exists():
        messages.warning(
            request,
            _("%(year)s has no calendar data yet: deadlines reaching into it are flagged. Enter its holidays "
              "and 调休 working days when the State Council publishes them, then mark the year complete.")
            % {"year": coming},
        )


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ("year", "complete", "note")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise ValidationError(_(services.BAD_YEAR))
        return year


class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ("year", "complete", "library_knows", "note")

    def changelist_view(self, request, extra_context=None):
        _warn_next_year(request)
        return super().changelist_view(request, extra_context)

    @admin.display(boolean=True, description=gettext_lazy("built-in calendar knows it"))
    def library_knows(self, obj):
        first, last = _library_years()
        return first <= obj.year <= last

    def save_model(self, request, obj, form, change):
        row = services.calendar_year_set(actor=request.user, year=obj.year, complete=obj.complete, note=obj.note)
        obj.pk = row.pk
        obj._state.adding = False


class PolicyAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "version", "actor")
    list_filter = ("action",)
    list_select_related = ("version__document", "actor")
    readonly_fields = ("created_at", "action", "version", "actor", "data")


admin.site.register(Jurisdiction, JurisdictionAdmin)
admin.site.register(PolicyDocument, PolicyDocumentAdmin)
admin.site.register(PolicyVersion, PolicyVersionAdmin)
admin.site.register(CalendarDay, CalendarDayAdmin)
admin.site.register(CalendarYear, CalendarYearAdmin)
admin.site.register(PolicyAuditEntry, PolicyAuditEntryAdmin)
