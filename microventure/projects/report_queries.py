"""Read side of reports and budget execution (being built: replaced by the reports work)."""


def overview(project):
    return None
