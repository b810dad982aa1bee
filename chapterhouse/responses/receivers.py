"""Signal handlers of the responses app (none yet beyond those services call directly)."""
