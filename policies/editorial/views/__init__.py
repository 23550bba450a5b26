"""Editorial pages, one module per resource."""
