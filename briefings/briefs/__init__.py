"""Briefs: who gets what (``plan``), what a brief says (``compose``, ``content``), and when
(``schedule``). The job that puts them in the outbox is ``briefings.jobs.brief``."""
