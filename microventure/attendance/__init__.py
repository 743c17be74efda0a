"""Verified attendance (签到): check-in sessions with a QR code at activities."""
