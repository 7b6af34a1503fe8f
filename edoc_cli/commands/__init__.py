"""One module per command or group: parse options, call the core, render."""
