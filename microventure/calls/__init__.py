"""Calls for proposals (项目征集): budget, eligibility, rubric, tranche plan and timeline."""
