#!/usr/bin/env node
process.stderr.write("bench: no configurations yet.\n");
process.exitCode = 1;
