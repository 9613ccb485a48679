"""Job dialogs: one file per dialog, each mirroring the options of a CLI sub-command."""
