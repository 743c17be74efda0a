"""The district's reviewer pool (评审专家库): adding, editing, conflicts, the Excel import."""
