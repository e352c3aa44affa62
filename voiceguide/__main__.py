from voiceguide.cli import entry

raise SystemExit(entry())
