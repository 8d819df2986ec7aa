"""Staff keep their bureau's guides and policies current: drafts, preview, publish, revisions."""
