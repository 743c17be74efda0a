"""Results: the admin dashboard, the public results page, Excel exports and the report upward."""
