"""Studying to an interview date: readiness, the new-prompt planner, the workload forecast (pure)."""
