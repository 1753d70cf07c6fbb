"""The coordinators: one per job (poll, briefs, alerts), each with ``run_once(now)``."""
