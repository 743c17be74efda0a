"""Review (评审): the reviewer pool, conflicts, assignment, rubric scores and the ranking."""
