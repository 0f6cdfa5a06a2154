"""callcenter layer — see DESIGN.md."""
