"""The site's presentation, kept apart from the library's computing: the HTML the lesson pages show, where the
site's pages are, and the theme's page colours the figures are drawn for. It ships with convlab, so a downloaded
notebook that displays an exercise runs on a reader's machine; the site's folders and build stay in scripts/."""
