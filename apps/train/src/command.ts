// What every trm-train sub-command exports; main.ts loads them lazily by name.

export interface Command {
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A command whose errors are printed as "trm-train <name>: <message>" and exit with code 2. */
export function commandWithErrors(name: string, run: (argv: string[]) => Promise<number>): Command {
  return {
    async run(argv) {
      try {
        return await run(argv);
      } catch (e) {
        process.stderr.write(`trm-train ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
        return 2;
      }
    },
  };
}
