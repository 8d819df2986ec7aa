"""The site's own pages: sitemap, privacy, help, contact, about, accessibility."""
