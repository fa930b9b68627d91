"""The generated API endpoint of every step (core.steps): one POST per step
of a subject, one answer, one set of statuses.

A subject's API (``cases.apis``, ``prefilings.apis``) subclasses ``StepApi``
with what differs (its URL kwarg, the serializer and selector of its
``GET``, its operation ids) and routes ``step_apis(TheirStepApi)``. Each
endpoint:

- reads the record through its owner's ``get_for_user`` (core.subjects):
  visibility first, so a bad body never tells an outsider it exists (404);
- checks the body with the step's ``input`` (400: the schema);
- calls the step's one service, whose guard (core.steps.step_guard) answers
  403 (the role), 409 (the state, or the step's ``ready``) and whose
  ``ValidationError`` is a 422 (a rule the schema cannot state;
  core.exceptions);
- answers 200 with the record as its ``GET`` returns it (its ``actions``
  included) plus ``"step": {"name", "record": {"type", "id"} or null}``.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .steps import step_get, step_kwargs, steps_of
from .subjects import subject as subject_named


class StepRecordSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="app_label.model of the record the step made or changed.")
    id = serializers.IntegerField()


class StepDoneSerializer(serializers.Serializer):
    name = serializers.CharField()
    record = StepRecordSerializer(allow_null=True, help_text="None when the step changed only the case.")


def step_record_ref(result, record) -> dict | None:
    """``{"type", "id"}`` of what a step's service returned, or None when it
    returned nothing stored or the subject's record itself."""
    if result is None or getattr(result, "_meta", None) is None or getattr(result, "pk", None) is None:
        return None
    if result._meta.label_lower == record._meta.label_lower and result.pk == record.pk:
        return None
    return {"type": result._meta.label_lower, "id": result.pk}


def record_as_seen(read, user, record):
    """``read(user, pk)``: the record as its ``GET`` reads it for ``user``.

    After some steps the caller may no longer see the record (a unit
    reviewer who returned an application to draft): he saw it a moment ago
    and acted on it, so he gets its state after his step rather than a 404
    for a request that succeeded."""
    try:
        return read(user, record.pk)
    except Http404:
        record.refresh_from_db()
        return record


def _response_serializer(detail: type, name: str, doc: str, module: str) -> type:
    """``detail`` plus the ``step`` field: the answer's component (its class
    name gives the schema's component name)."""
    attrs = {"__doc__": doc, "__module__": module, "__qualname__": name, "step": StepDoneSerializer()}
    meta = getattr(detail, "Meta", None)
    if meta is not None and getattr(meta, "fields", None) not in (None, serializers.ALL_FIELDS):
        attrs["Meta"] = type("Meta", (meta,), {"fields": [*meta.fields, "step"]})
    return type(name, (detail,), attrs)


class StepApi(APIView):
    # Parse the step's input, call its service, answer with the record. (A
    # comment, not a docstring: the schema would give it to every step.)
    #
    # A subject's base declares what differs:
    subject = ""  # the steps' subject (core.steps) and the record's owner (core.subjects)
    url_kwarg = ""  # the path's id of the record: "case_id"
    detail_serializer: type | None = None  # the serializer of the record's GET
    response_name = ""  # the answer's class name (its component's name): "StepResponseSerializer"
    response_doc = ""  # the answer component's description
    class_prefix = ""  # of each generated class: "Case" -> CaseSubmitApi
    not_visible = None  # the 404's OpenApiResponse
    response_serializer: type | None = None  # made from the three above

    step_name = ""
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "detail_serializer" in cls.__dict__:
            cls.response_serializer = _response_serializer(cls.detail_serializer, cls.response_name,
                                                           cls.response_doc, cls.__module__)

    @staticmethod
    def read(user, pk):
        """The record as its ``GET`` reads it for ``user`` (Http404 when he may not see it)."""
        raise NotImplementedError

    @classmethod
    def operation_id(cls, step) -> str:
        return f"{cls.subject}s_{step.name}"

    @classmethod
    def tag(cls, step) -> str:
        return step.app

    def post(self, request, **path):
        step = step_get(self.step_name, self.subject)
        # Visibility first: a bad body never tells an outsider the record exists.
        record = subject_named(self.subject).get_for_user(request.user, path[self.url_kwarg])
        kwargs = {}
        if step.input is not None:
            data = request.data
            if step.files and hasattr(data, "getlist"):
                data = data.copy()
                data.setlist(step.files, request.FILES.getlist(step.files))
            serializer = step.input(data=data, context={"request": request, self.subject: record})
            serializer.is_valid(raise_exception=True)
            kwargs = step_kwargs(serializer)
        result = step.service(**{self.subject: record}, actor=request.user, **kwargs)
        shown = record_as_seen(self.read, request.user, record)
        data = self.detail_serializer(shown, context={"request": request}).data
        data["step"] = {"name": step.name, "record": step_record_ref(result, record)}
        return Response(data)


def step_api(base: type[StepApi], step) -> type[StepApi]:
    """The endpoint of one step of ``base``'s subject, with its own schema
    (operation id, summary, input)."""

    class Api(base):
        step_name = step.name
        # core.schema reads these (issue 15): the refusals its service
        # raises and what it checks.
        schema_refusals = step.refusals
        schema_requirements = step.requirements

        @extend_schema(
            operation_id=base.operation_id(step), summary=step.summary or str(step.label), tags=[base.tag(step)],
            request={"multipart/form-data": step.input} if step.files else step.input,
            responses={200: base.response_serializer, 404: base.not_visible},
        )
        def post(self, request, **path):
            return super().post(request, **path)

    # core.schema's hook for generated views: the stages the step is possible
    # at and the 409 otherwise, from the same declaration as its guard.
    Api.step = step
    Api.__name__ = Api.__qualname__ = base.class_prefix + "".join(p.title() for p in step.name.split("_")) + "Api"
    return Api


def step_apis(base: type[StepApi]) -> dict:
    """name -> view class, for every step of ``base``'s subject that has a service."""
    return {name: step_api(base, step) for name, step in steps_of(base.subject).items() if step.service is not None}
