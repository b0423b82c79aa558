"""The privacy notice's version: every consent records the version the person was shown.

Change NOTICE_VERSION whenever the text in templates/privacy/notice_vi.html or notice_en.html
changes in substance (what is collected, why, for how long, who receives it).
"""

NOTICE_VERSION = "2026-12-07"
