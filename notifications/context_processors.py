def unread(request):
    """Unread notification count for the header (filled in by the notifications work)."""
    return {}
