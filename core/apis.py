"""The body of an API write that is not a step (a step's endpoint is
generated from its declaration, core.steps): check the request's body, call
the one service, answer with the output serializer."""

from rest_framework.response import Response


def service_answer(request, service, /, *, input, output=None, read=None, status: int = 200,
                   **arguments) -> Response:
    """``service(actor=request.user, **arguments, **checked)``, where
    ``checked`` is the request's body validated by the serializer class
    ``input`` (a 400 naming the fields, before the service runs); answered
    with ``output`` (a serializer class, given the request as context) of
    what the service returned, or of ``read(returned)`` for an endpoint that
    answers with what its selector reads again; no body without ``output``.

    Reading the record the caller names stays the endpoint's, before this
    call: a record he may not see is a 404 before his input is read."""
    serializer = input(data=request.data)
    serializer.is_valid(raise_exception=True)
    result = service(actor=request.user, **arguments, **serializer.validated_data)
    if output is None:
        return Response(status=status)
    if read is not None:
        result = read(result)
    return Response(output(result, context={"request": request}).data, status=status)
