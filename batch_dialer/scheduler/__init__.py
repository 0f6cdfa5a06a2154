"""scheduler layer — see DESIGN.md."""
