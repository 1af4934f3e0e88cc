import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeSafetensors } from "@trm/core";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../packages/core/fixtures/torch");
const dir = mkdtempSync(path.join(tmpdir(), "trm-convert-"));

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const code = await main(argv);
  const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join("");
  const r = { code, out: text(out), err: text(err) };
  vi.restoreAllMocks();
  return r;
}

describe("trm-train convert", () => {
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("converts an official checkpoint to the same tensors the Python reference wrote, printing the mapping", async () => {
    const out = path.join(dir, "trm-att.safetensors");
    const r = await capture(["convert", path.join(fixtures, "trm-att.pt"), out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("  _orig_mod.model.inner.H_init -> inner.H_init (bfloat16 [8])");
    expect(r.out).toContain("  _orig_mod.model.inner.lm_head.weight -> inner.lm_head.weight (float32 [5, 8])");
    expect(r.out).toMatch(/wrote .*trm-att\.safetensors: 11 tensors/);
    const got = decodeSafetensors(new Uint8Array(readFileSync(out)));
    const want = decodeSafetensors(new Uint8Array(readFileSync(path.join(fixtures, "trm-att.expected.safetensors")))).tensors;
    expect([...got.tensors.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, t] of got.tensors) expect(Array.from(t.data), name).toEqual(Array.from(want.get(name)!.data));
    expect(got.metadata).toMatchObject({ format: "pt", source: "trm-att.pt", weights: "model" });
  });

  it("refuses to overwrite unless --overwrite, and writes EMA weights with --ema", async () => {
    const out = path.join(dir, "existing.safetensors");
    writeFileSync(out, "keep me");
    const refused = await capture(["convert", path.join(fixtures, "trm.bf16.pt"), out, "--ema"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("already exists; pass --overwrite to replace it");
    expect(readFileSync(out, "utf8")).toBe("keep me");
    const r = await capture(["convert", path.join(fixtures, "trm.bf16.pt"), out, "--ema", "--overwrite"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('the "model" state dict with the "ema_helper" weights');
    expect(r.out).toContain("not converted: optimizers, step");
    expect(decodeSafetensors(new Uint8Array(readFileSync(out))).metadata.weights).toBe("ema");
  });

  it("refuses a hostile pickle, an --ema without EMA weights and a wrong argument count, writing nothing", async () => {
    const out = path.join(dir, "never.safetensors");
    const evil = await capture(["convert", path.join(fixtures, "evil-os-system.pt"), out]);
    expect(evil.code).toBe(2);
    expect(evil.err).toMatch(/trm-train convert: .*evil-os-system\.pt:evil\/data\.pkl: byte 2: global "(posix|os)\.system" is not allowed/);
    const noEma = await capture(["convert", path.join(fixtures, "trm-att.pt"), out, "--ema"]);
    expect(noEma.err).toContain("holds no ema_helper weights");
    expect((await capture(["convert", path.join(fixtures, "trm-att.pt")])).err).toContain("expected <checkpoint> <out.safetensors>");
    expect(existsSync(out)).toBe(false);
  });
});
