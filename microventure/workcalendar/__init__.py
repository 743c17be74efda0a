"""The working-day calendar the district maintains: public holidays and make-up working days."""
