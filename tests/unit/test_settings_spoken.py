"""Settings said in plain words."""

from __future__ import annotations

from voiceguide.config import Settings
from voiceguide.program import Say
from voiceguide.settings_spoken import changed, line, summary


def test_each_spoken_setting_is_a_plain_sentence() -> None:
    s = Settings(rate=130, volume=0.75, pace=1.5, answers="voice", headset=True)
    assert line("rate", s) == "Speed: 130 words a minute."
    assert line("volume", s) == "Loudness: 75 percent."
    assert line("voice", s) == "Voice: the usual voice."
    assert line("voice", Settings(voice="gmw/en")) == "Voice: gmw/en."
    assert line("pace", s) == "Pauses: 1.5 times as long as written."
    assert line("pace", Settings()) == "Pauses: as written."
    assert line("answers", s) == "Answers: spoken."
    assert line("headset", s) == "Headset: on."
    assert line("voice_commands", s) == "Voice commands: off."
    assert line("notes_dir", s) == ""


def test_summary_and_change_are_programs_of_spoken_lines() -> None:
    texts = [st.text for st in summary(Settings()).steps if isinstance(st, Say)]
    assert texts[0] == "Your settings." and "Speed: 150 words a minute." in texts
    assert all(t for t in texts)
    texts = [st.text for st in changed("rate", Settings(rate=170)).steps
             if isinstance(st, Say)]
    assert texts == ["Saved. Speed: 170 words a minute."]
    texts = [st.text for st in changed("engine", Settings()).steps
             if isinstance(st, Say)]
    assert texts == ["Saved. Engine is set."]
