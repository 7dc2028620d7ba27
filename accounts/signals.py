"""Signals the accounts layer sends for higher layers to act on."""

from django.dispatch import Signal

#: Sent after everything held about a person was handed out as a download (their own, or
#: a ward's to the guardian), with no argument about who: the transparency report counts
#: the data-access requests fulfilled.
data_exported = Signal()
