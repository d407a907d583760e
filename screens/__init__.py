"""Qt widgets and theme only. Screens render SessionView snapshots and call Session intents;
they never talk to devices, SQLite or the network."""
