"""Exact external formats. The cloud's names (eventNm, platForm...) live only here."""
