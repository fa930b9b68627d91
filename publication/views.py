"""Pages of the publication workflow (administrators) and of the public
portal (no login). Views parse, call a service or selector, and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.selectors import case_get_for_user, case_page_url
from core.exceptions import ApplicationError
from core.pagination import keyset_page
from reviews.selectors import countersign_awaited

from . import selectors, services
from .forms import PortalFilterForm, PublicationEditForm, PublishForm, WithdrawForm
from .models import Publication


def _error_text(exc) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return " ".join(exc.messages)


# --- Administrators -------------------------------------------------------------------------


@login_required
def publication_list(request):
    publications = list(selectors.publication_list_for_admin(user=request.user))
    ready = list(selectors.cases_ready_to_publish(user=request.user))
    clarifications = [
        c for c in selectors.clarifications_public_issued()
        if services.publication_may_manage(case=c.case, user=request.user)
    ]
    if not publications and not ready and not services.publication_may_manage_any(user=request.user):
        raise Http404
    return render(request, "publication/list.html", {
        "publications": publications, "ready": ready, "clarifications": clarifications,
    })


@login_required
@require_POST
def publication_draft(request, case_id: int):
    case = case_get_for_user(user=request.user, case_id=case_id)
    kind = request.POST.get("kind") or Publication.Kind.OUTCOME
    if kind not in Publication.Kind.values:
        raise Http404
    try:
        publication = services.publication_draft_create(
            case=case, actor=request.user, kind=kind, clarification_id=request.POST.get("clarification") or None
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect("publication:list")
    messages.success(request, _("The draft was created. Check the hidden terms before publishing."))
    return redirect("publication:detail", publication.pk)


@login_required
def publication_detail(request, publication_id: int, edit_form=None, publish_form=None, withdraw_form=None):
    publication = selectors.publication_get_for_admin(user=request.user, publication_id=publication_id)
    preview = services.publication_preview(publication=publication, actor=request.user)
    edit_form = edit_form or PublicationEditForm(initial={
        "title": publication.title, "body": publication.body,
        "extra_terms": "\n".join(publication.extra_terms), "redact_unit": publication.redact_unit,
    })
    return render(request, "publication/detail.html", {
        "publication": publication, "preview": preview, "edit_form": edit_form,
        "publish_form": publish_form or PublishForm(), "withdraw_form": withdraw_form or WithdrawForm(),
        "public_url": reverse("portal:outcome_detail", args=[publication.slug])
        if publication.kind == Publication.Kind.OUTCOME else reverse("portal:clarifications"),
        "case_url": case_page_url(publication.case_id),
        "ruling_stale": publication.status == Publication.Status.DRAFT
        and services.publication_ruling_stale(publication),
    })


@login_required
@require_POST
def publication_edit(request, publication_id: int):
    publication = selectors.publication_get_for_admin(user=request.user, publication_id=publication_id)
    form = PublicationEditForm(request.POST, request.FILES)
    if not form.is_valid():
        return publication_detail(request, publication_id, edit_form=form)
    data = form.cleaned_data
    try:
        services.publication_update(
            publication=publication, actor=request.user, title=data["title"], body=data["body"],
            extra_terms=data["extra_terms"], redact_unit=data["redact_unit"], pdf=data["pdf"],
            remove_pdf=data["remove_pdf"],
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The draft was saved."))
    return redirect("publication:detail", publication.pk)


@login_required
@require_POST
def publication_publish(request, publication_id: int):
    publication = selectors.publication_get_for_admin(user=request.user, publication_id=publication_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return publication_detail(request, publication_id, publish_form=form)
    try:
        publication = services.publication_publish(
            publication=publication, actor=request.user, publish_at=form.cleaned_data["publish_at"]
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        if publication.status == Publication.Status.SCHEDULED:
            messages.success(request, _("Scheduled for publication."))
        else:
            messages.success(request, _("Published on the public portal."))
    return redirect("publication:detail", publication.pk)


@login_required
@require_POST
def publication_clear_term(request, publication_id: int):
    """Wave a false positive of the name detector through, with a reason."""
    publication = selectors.publication_get_for_admin(user=request.user, publication_id=publication_id)
    try:
        services.publication_clear_term(publication=publication, actor=request.user,
                                        term=request.POST.get("term", ""), reason=request.POST.get("reason", ""))
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Waved through: it is no longer hidden and no longer blocks publication."))
    return redirect("publication:detail", publication.pk)


@login_required
@require_POST
def publication_regenerate(request, publication_id: int):
    publication = selectors.publication_get_for_admin(user=request.user, publication_id=publication_id)
    try:
        services.publication_regenerate(publication=publication, actor=request.user)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The text was generated again from the final ruling."))
    return redirect("publication:detail", publication.pk)


@login_required
@require_POST
def publication_withdraw(request, publication_id: int):
    publication = selectors.publication_get_for_admin(user=request.user, publication_id=publication_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return publication_detail(request, publication_id, withdraw_form=form)
    try:
        services.publication_withdraw(publication=publication, actor=request.user,
                                      reason=form.cleaned_data["reason"])
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The publication was withdrawn."))
    return redirect("publication:detail", publication.pk)


def case_panel_context(request, case) -> dict | None:
    """The case page's panel: the publication's status for everyone who
    may see the case, the way to it for its administrators."""
    publication = selectors.publication_for_case(case=case)
    may_manage = services.publication_may_manage(case=case, user=request.user)
    # Issue 16: a joint decision is published once countersigned.
    ready = case.stage in services.RULED_STAGES and countersign_awaited(case) is None
    if publication is None and not (may_manage and ready):
        return None
    return {
        "publication": publication, "may_manage": may_manage, "may_draft": may_manage and ready and (
            publication is None or publication.status == Publication.Status.WITHDRAWN
        ),
    }


# --- The public portal ------------------------------------------------------------------------

PORTAL_PAGE_SIZE = 20


def portal_outcomes(request):
    options = selectors.portal_filter_options()
    form = PortalFilterForm(request.GET or None, options=options)
    filters = {}
    if form.is_bound:
        form.is_valid()
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    # Read by keyset off publication_portal_idx, with a bounded count
    # ("约 N" beyond core.pagination.COUNT_EXACT_UP_TO): an OFFSET and an
    # exact count would read every outcome before the page (issue 19).
    qs = selectors.published_outcomes(filters=filters)
    try:
        page = keyset_page(qs, cursor=request.GET.get("cursor"), page_size=PORTAL_PAGE_SIZE)
    except ValidationError:
        page = keyset_page(qs, cursor=None, page_size=PORTAL_PAGE_SIZE)
    return render(request, "publication/portal_outcomes.html", {
        "form": form, "page": page, "outcomes": page.object_list,
    })


def portal_outcome_detail(request, slug: str):
    publication = selectors.public_publication_get(slug=slug)
    return render(request, "publication/portal_outcome_detail.html", {"publication": publication})


def portal_outcome_pdf(request, slug: str):
    publication = selectors.public_publication_get(slug=slug)
    if publication.status != Publication.Status.PUBLISHED or not publication.pdf:
        raise Http404
    response = FileResponse(publication.pdf.open("rb"), content_type="application/pdf",
                            as_attachment=False, filename=f"{publication.slug}.pdf")
    return response


def portal_clarifications(request):
    page = Paginator(selectors.published_clarifications(), PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "publication/portal_clarifications.html", {"page": page, "items": page.object_list})


class OutcomesFeed(Feed):
    """Atom feed of the latest published outcomes and clarifications."""

    feed_type = Atom1Feed
    title = gettext_lazy("Published fault-tolerance outcomes")
    subtitle = gettext_lazy("Rulings and clarifications published by the authorities, personal data hidden.")

    def link(self):
        return reverse("portal:outcomes")

    def items(self):
        return list(
            Publication.objects.filter(status=Publication.Status.PUBLISHED)
            .select_related("jurisdiction").order_by("-published_at", "-id")[:30]
        )

    def item_title(self, item):
        return item.published_title

    def item_description(self, item):
        return item.published_text

    def item_link(self, item):
        if item.kind == Publication.Kind.OUTCOME:
            return reverse("portal:outcome_detail", args=[item.slug])
        return reverse("portal:clarifications") + f"#{item.slug}"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.jurisdiction.name
