import { arcTask } from "./arc-task.js";
import { mazeTask } from "./maze-task.js";
import { sudokuTask } from "./sudoku-task.js";
import type { Task } from "./task.js";

/**
 * One registry per process, whatever the install layout: the map lives on `globalThis` under a registered symbol, so
 * two copies of this package (a plug-in resolving its own `@trm/data`, a bundle beside the workspace) see the same
 * tasks. The first copy loaded creates it with the built-in tasks.
 */
const REGISTRY_KEY = Symbol.for("@trm/data:task-registry");
const holder = globalThis as { [REGISTRY_KEY]?: Map<string, Task<never, never>> };
const registry: Map<string, Task<never, never>> = (holder[REGISTRY_KEY] ??= new Map<string, Task<never, never>>(
  [sudokuTask, mazeTask, arcTask].map((t) => [t.name, t as unknown as Task<never, never>]),
));

/** Adds a task under its name; a second task with the same name is an error (no silent replacement). */
export function registerTask<B, A>(task: Task<B, A>): void {
  if (!/^[a-z][a-z0-9-]*$/.test(task.name)) throw new Error(`registerTask: name must be kebab-case, got "${task.name}"`);
  if (registry.has(task.name)) throw new Error(`registerTask: a task named "${task.name}" is already registered`);
  registry.set(task.name, task as unknown as Task<never, never>);
}

/** The task registered under `name` (sudoku, maze and arc are built in). */
export function getTask(name: string): Task {
  const t = registry.get(name);
  if (!t) throw new Error(`unknown task "${name}"; registered: ${listTasks().join(", ")} (add one with registerTask; on the command line, --import <module> loads a module that does)`);
  return t;
}

export function listTasks(): string[] {
  return [...registry.keys()].sort();
}

/** Removes a task (tests use it to leave the registry as they found it). */
export function unregisterTask(name: string): boolean {
  return registry.delete(name);
}
