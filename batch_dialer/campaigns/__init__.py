"""campaigns layer — see DESIGN.md."""
