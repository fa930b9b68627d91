from rest_framework import serializers


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
