"""Applications (项目申报): drafting, attachments, submission with versions, and screening."""
