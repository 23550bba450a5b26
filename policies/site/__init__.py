"""Public pages for researchers: views, page-only selectors, scorecard, charts, feeds."""
