"""Campaigners' and editors' pages: sign-in, drafts, review, corrections, reference data, history, import."""
