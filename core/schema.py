from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    """Names components after their view for nested serializers.

    APIs nest ``InputSerializer``/``OutputSerializer`` inside each view class
    (HackSoft style); by default drf-spectacular would name them all "Input"
    and "Output" and collide. ``CaseSubmitApi.InputSerializer`` becomes
    ``CaseSubmitApiInput``.
    """

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        qualname = getattr(cls, "__qualname__", "")
        if "." in qualname and "<locals>" not in qualname and not getattr(getattr(cls, "Meta", None), "ref_name", None):
            outer = qualname.rsplit(".", 1)[0].replace(".", "")
            if not name.startswith(outer):
                name = f"{outer}{name}"
        return name
