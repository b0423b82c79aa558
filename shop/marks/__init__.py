"""Collective trademarks, certification marks and geographical indications."""
