from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Verification and ruling")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.models import Stage
        from cases.registry import Action, register_actions, register_case_panel, register_event_labels

        from . import selectors as s
        from .models import EventKind
        from .views import case_panel_context

        before_ruling = (Stage.DEFENCE, Stage.DELIBERATION)

        def inspector_or_committee(case, user):
            return s.is_assigned_inspector(case, user) or s.is_committee(case, user)

        register_actions(
            Action("assign", _("Assign inspectors"), (Stage.VERIFICATION,), s.is_supervisor, "reviews"),
            Action("record_interview", _("Record an interview"), (Stage.VERIFICATION,),
                   s.is_assigned_inspector, "reviews"),
            Action("record_evidence", _("Record evidence or a note"), (Stage.VERIFICATION,),
                   s.is_assigned_inspector, "reviews"),
            Action("assess", _("Assessment"), (Stage.VERIFICATION,), s.is_assigned_inspector, "reviews"),
            Action("preliminary_report", _("Preliminary report"), (Stage.VERIFICATION,),
                   s.is_assigned_inspector, "reviews"),
            Action("defend", _("Submit a defence (申辩)"), (Stage.DEFENCE,), s.is_applicant, "reviews"),
            Action("waive_defence", _("Waive the defence"), (Stage.DEFENCE,), s.may_waive, "reviews"),
            Action("add_testimony", _("Add testimony"), before_ruling, s.may_testify, "reviews"),
            Action("record_assessment_report", _("Record a third-party assessment"), before_ruling,
                   inspector_or_committee, "reviews"),
            Action("record_hearing", _("Record a public hearing"), before_ruling, inspector_or_committee,
                   "reviews"),
            Action("deliberate", _("Record the deliberation"), (Stage.DELIBERATION,), s.is_committee, "reviews"),
            Action("rule", _("Record the ruling"), (Stage.DELIBERATION,), s.is_committee, "reviews"),
            Action("feedback", _("Record the feedback (反馈)"), (Stage.RULED,), s.may_notify, "reviews"),
            Action("file_report", _("Record the filing (报备)"), (Stage.RULED,), s.may_notify, "reviews"),
            Action("request_review", _("Request a review (复核)"), (Stage.RULED,), s.is_applicant, "reviews"),
            Action("decide_review", _("Decide the review"), (Stage.REVIEW,), s.is_review_member, "reviews"),
        )
        # Who was interviewed and what was said, how each member voted.
        register_event_labels(EventKind, internal=(EventKind.INTERVIEW_RECORDED, EventKind.EVIDENCE_RECORDED,
                                                   EventKind.VOTE_CAST))
        register_case_panel(order=20, template="reviews/case_panel.html", context=case_panel_context)
