"""Closed sets of names that several modules and the command line share.

Kept free of imports, so the command line can use them and stay light.
"""

KINDS = ("grounding", "breathing", "journal", "check-in")
CUES = ("bell", "inhale", "hold", "exhale", "rest", "your-turn", "saved")
ANSWER_MODES = ("voice", "typed", "off")
ENGINES = ("auto", "whisper", "pocketsphinx")
