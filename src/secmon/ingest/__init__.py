"""Reading sensor output: sources (files, stdin, gzip) and one parser per format."""
