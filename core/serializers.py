from django import forms
from django.utils import translation
from rest_framework import serializers
from rest_framework.fields import empty


class ErrorSerializer(serializers.Serializer):
    """The project's one error shape (core.exceptions.api_exception_handler)."""

    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="A stable code for programs: invalid, not_found, refused, …")
    detail = serializers.CharField(help_text="The message for people, in the active language.")
    fields = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text="Validation errors only: field name → list of messages (nested for nested input).",
    )
    extra = serializers.DictField(required=False, help_text="Details some refusals add (e.g. what is missing).")
    reference = serializers.CharField(
        required=False, help_text="500 only: the id of the server's log entry, for the administrator.")


class QueryBooleanField(serializers.BooleanField):
    """A yes/no query parameter: exactly ``true`` or ``false``, or absent
    (then missing from ``validated_data``: "either"). DRF's BooleanField also takes ``1``, ``yes``,
    ``on`` and, when nullable, an empty value; the schema's ``boolean``
    promises only the two words, so the server takes only them."""

    TRUE_VALUES = {"true", True}
    FALSE_VALUES = {"false", False}
    # A query string is "HTML input" to DRF, where a missing checkbox
    # means false; a missing parameter here means "either".
    default_empty_html = empty

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # No NULL_VALUES: "" or "null" is not a yes/no.
        if data in self.TRUE_VALUES:
            return True
        if data in self.FALSE_VALUES:
            return False
        self.fail("invalid", input=data)


class KeyedDictField(serializers.DictField):
    """A DictField whose known keys are named for the schema
    (``schema_keys``: (key, label) pairs; core.schema lists them as
    properties). Validation is the DictField's: other keys stay allowed."""

    def __init__(self, *, schema_keys=(), **kwargs):
        self.schema_keys = tuple(schema_keys)
        super().__init__(**kwargs)


class ChoiceLabelField(serializers.CharField):
    """The label of a choice column in the active language, like
    ``source="get_<field>_display"`` but read from a map made once per
    language: Django's ``get_FOO_display`` rebuilds a hashable dict of all
    the choices on every call (a third of the case list API's serializer
    time at 20 rows). ``ChoiceLabelField(Stage, source="stage")``."""

    def __init__(self, choices, **kwargs):
        self._choices = choices
        self._labels: dict[str, dict] = {}
        super().__init__(**kwargs)

    def to_representation(self, value):
        language = translation.get_language() or ""
        labels = self._labels.get(language)
        if labels is None:
            labels = self._labels[language] = {v: str(label) for v, label in self._choices.choices}
        return labels.get(value, "" if value in (None, "") else str(value))


def form_input(form_class, name: str, *, exclude=(), **fields) -> type[serializers.Serializer]:
    """The API input of a step, made from its page form: a serializer with
    the form's plain fields (text, numbers, dates, booleans, choices), their
    limits and labels, named ``<Name>Input`` for the schema.

    What the API takes beyond the form is declared here, beside the step
    (``core.steps.Step.input``), as serializer ``fields``: a field of the
    form's name replaces it (ids of users, files), a new name is added
    (nested rows); ``exclude`` drops form fields the API does not take. So
    a step whose API input is richer than its form still needs no input
    class in its app's ``apis.py``."""
    attrs = {"__module__": form_class.__module__}
    for field_name, field in form_class.base_fields.items():
        if field_name in exclude:
            continue
        if field_name in fields:  # in the form's place
            attrs[field_name] = fields[field_name]
            continue
        # The label stays lazy: the schema speaks the request's language.
        common = {"required": field.required, "help_text": field.label or None}
        if isinstance(field, forms.ModelChoiceField | forms.MultipleChoiceField):
            # Records by id, several values: the API's field is not the form's.
            raise TypeError(f"{form_class.__name__}.{field_name}: declare the step's API field for it "
                            f"(form_input(..., {field_name}=<serializer field>)) or exclude it")
        if isinstance(field, forms.BooleanField):
            attrs[field_name] = serializers.BooleanField(required=False, default=False,
                                                         help_text=common["help_text"])
        elif isinstance(field, forms.TypedChoiceField | forms.ChoiceField):
            attrs[field_name] = serializers.ChoiceField(choices=field.choices, allow_blank=not field.required,
                                                        **common)
        elif isinstance(field, forms.DateField):
            attrs[field_name] = serializers.DateField(allow_null=not field.required, **common)
        elif isinstance(field, forms.IntegerField):
            attrs[field_name] = serializers.IntegerField(min_value=field.min_value, max_value=field.max_value,
                                                         allow_null=not field.required, **common)
        elif isinstance(field, forms.CharField):
            attrs[field_name] = serializers.CharField(max_length=field.max_length, allow_blank=not field.required,
                                                      **common)
        else:
            raise TypeError(f"{form_class.__name__}.{field_name}: declare the step's API field for it "
                            f"(form_input(..., {field_name}=<serializer field>)) or exclude it")
    attrs.update((k, v) for k, v in fields.items() if k not in attrs)
    # DRF orders declared fields by when each was made; the declared extras
    # were made first. Number them again in this order: the form's, then
    # the new ones (the schema lists the properties so).
    for value in attrs.values():
        if isinstance(value, serializers.Field):
            value._creation_counter = serializers.Field._creation_counter
            serializers.Field._creation_counter += 1
    title = "".join(part.title() for part in name.split("_"))
    return type(f"{title}Input", (serializers.Serializer,), attrs)
