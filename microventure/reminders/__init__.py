"""Reminders (提醒): the scans that read every feature and queue what is due into the outbox, the
periodic tasks that run them, and the ``flask notifications`` commands. Above the features; the
outbox (notifications/) is below them."""
