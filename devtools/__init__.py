"""Development tools: loopback servers, demo data, fake boards and ATS form replicas.

Used by tests, bench and `make run`; never imported by app code (the apps under
accounts/, realtime/, sessions_app/, scraping/, submissions/, tracker/, core/ must
not import devtools).
"""
