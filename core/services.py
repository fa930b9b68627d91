from typing import Any


def model_update(*, instance, fields: list[str], data: dict[str, Any]):
    """Set ``fields`` from ``data`` and save only what changed.

    Returns ``(instance, has_updated)``; the caller owns the transaction.
    """
    changed = []
    for field in fields:
        if field not in data:
            continue
        if getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        if hasattr(instance, "updated_at"):
            changed.append("updated_at")
        instance.full_clean(exclude=[f.name for f in instance._meta.fields if f.name not in changed])
        instance.save(update_fields=changed)
    return instance, bool(changed)
