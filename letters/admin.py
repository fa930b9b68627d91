from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import ApplicationError

from .models import Letter, LetterNumberCounter, LetterVersion
from .services import letter_regenerate


class LetterVersionInline(admin.TabularInline):
    model = LetterVersion
    extra = 0
    can_delete = False
    fields = ["template_version", "sha256", "sm3", "size", "rendered_at", "replaced_at", "replaced_by", "download"]
    readonly_fields = fields

    @admin.display(description=_("File"))
    def download(self, obj):
        # Files live outside the web root: link to the access-checked view.
        return format_html('<a href="{}">{}</a>', reverse("letters:version_download", args=[obj.pk]), _("Download"))

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "case", "prefiling", "status", "attempts", "template_version", "issued_on"]
    list_filter = ["status", "kind", "number_year"]
    search_fields = ["number", "case__number", "prefiling__number"]
    list_select_related = ["case", "prefiling"]
    readonly_fields = [
        "case", "prefiling", "kind", "ref", "number", "number_body", "number_year", "number_seq", "issued_on", "issued_by",
        "status", "error", "attempts", "context", "template_version", "download", "size", "sha256", "sm3", "rendered_at",
    ]
    inlines = [LetterVersionInline]
    actions = ["regenerate"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("File"))
    def download(self, obj):
        if not obj.is_ready:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("letters:download", args=[obj.pk]), _("Download"))

    @admin.action(description=_("Regenerate the selected letters (keeps the current version)"))
    def regenerate(self, request, queryset):
        done = 0
        for letter in queryset:
            try:
                letter_regenerate(letter=letter, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{letter.number}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d letter queued for rendering.", "%(count)d letters queued for rendering.", done)
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(LetterNumberCounter)
class LetterNumberCounterAdmin(admin.ModelAdmin):
    list_display = ["body", "year", "last"]
    readonly_fields = ["body", "year", "last"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
