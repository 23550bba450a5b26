"""The two papers: their data file, shipped source texts, and how they are loaded."""
