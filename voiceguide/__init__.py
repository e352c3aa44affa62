"""voiceguide: an offline, voice-first companion for grounding and journaling."""

__version__ = "0.1.0"
