from django.db import models


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ChainedRow(models.Model):
    """A row of an append-only, hash-chained history (core.history): the
    hashes of its owner's previous row and its own, in SHA-256 and SM3.
    Written only by ``core.history.chain_append``."""

    prev_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, default="", editable=False)
    prev_sm3 = models.CharField(max_length=64, blank=True, default="", editable=False)
    sm3 = models.CharField("SM3", max_length=64, blank=True, default="", editable=False)

    class Meta:
        abstract = True
