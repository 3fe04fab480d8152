"""The coordinators' side in admin: review actions, who is late and reminders, emails,
status-report import and export."""
