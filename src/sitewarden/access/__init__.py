"""Access control: people, badges, consented face templates, rules, reader decisions,
attendance, and blurred snapshots from ordinary cameras (see docs/access.md)."""
