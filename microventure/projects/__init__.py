"""Projects: agreements, tranche payments, activity records and progress reports."""
