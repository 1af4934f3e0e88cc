import { describe, expect, it, vi } from "vitest";

describe("task registry", () => {
  it("is one per process: a second copy of the module sees tasks the first registered, and the reverse", async () => {
    const first = await import("./registry.js");
    vi.resetModules();
    const second = await import("./registry.js");
    expect(second).not.toBe(first);
    const task = { ...first.getTask("sudoku"), name: "copy-probe" };
    first.registerTask(task);
    try {
      expect(second.getTask("copy-probe")).toBe(task);
      expect(second.listTasks()).toEqual(first.listTasks());
      expect(() => second.registerTask(task)).toThrow(/already registered/);
    } finally {
      expect(second.unregisterTask("copy-probe")).toBe(true);
    }
    expect(() => first.getTask("copy-probe")).toThrow(/unknown task "copy-probe"; registered: arc, maze, sudoku \(add one with registerTask; on the command line, --import <module>/);
    // The built-in tasks are the same objects whichever copy hands them out.
    expect(second.getTask("maze")).toBe(first.getTask("maze"));
  });
});
