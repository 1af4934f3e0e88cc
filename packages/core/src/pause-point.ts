/**
 * A hook for crash tests: when the environment variable `TRM_PAUSE_AT` holds a regular expression matching `label`,
 * the process writes `paused at <label>` on stderr and waits forever, so a test can `kill -9` it at a known moment
 * (inside an atomic write, between a checkpoint's weights and its JSON, while pruning). Without the variable it
 * returns at once.
 */
export async function pausePoint(label: string): Promise<void> {
  const pattern = process.env.TRM_PAUSE_AT;
  if (!pattern || !new RegExp(pattern).test(label)) return;
  process.stderr.write(`paused at ${label}\n`);
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
}
