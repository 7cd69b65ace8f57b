from invariance.cli import entry

entry()
