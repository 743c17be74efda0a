"""Notifications: an outbox written with the event, delivered by e-mail and to the in-app inbox."""
