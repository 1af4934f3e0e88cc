import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { readOfficialCheckpoint, writeSafetensorsFile } from "@trm/core/node";
import { commandWithErrors, type Command } from "./command.js";
import { parseFlags, UsageError } from "./flags.js";

const HELP = `trm-train convert: an official PyTorch checkpoint (torch.save) to safetensors

Usage:
  trm-train convert <checkpoint> <out.safetensors> [--ema] [--overwrite]

<checkpoint> is a file written by torch.save in the official TRM or HRM code (e.g. checkpoints/<run>/step_1000, any
file name): a state dict, or a {model, optimizers, step, ema_helper} checkpoint. It is read without executing any of
its code: only tensors, dicts, lists and numbers are accepted, anything else is refused. float32, float16 and bfloat16
tensors are written as float32 under this project's names (the official names without the _orig_mod. / model.
prefixes of torch.compile and the loss head).

Options:
  --ema          write the EMA weights (the checkpoint's ema_helper over its model) instead of the trained values
  --overwrite    replace <out.safetensors> if it exists (it is never overwritten otherwise)
`;

const dtypeName = { F32: "float32", F16: "float16", BF16: "bfloat16" } as const;

async function run(argv: string[]): Promise<number> {
  const positionals = argv.filter((a) => !a.startsWith("-"));
  const { values } = parseFlags(
    argv.filter((a) => a.startsWith("-")),
    { ema: { type: "boolean" }, overwrite: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected <checkpoint> <out.safetensors>, got ${positionals.length} argument(s); see --help`);
  const [input, output] = positionals.map((p) => resolve(p)) as [string, string];
  if (input === output) throw new UsageError(`the output ${output} is the checkpoint itself; write to another file`);
  if (existsSync(output) && !values.overwrite) throw new Error(`${output} already exists; pass --overwrite to replace it`);
  const ckpt = await readOfficialCheckpoint(input, { weights: values.ema ? "ema" : "model" });
  const lines = [`read ${input}: ${ckpt.layout === "state_dict" ? "a state dict" : ckpt.layout === "model" ? 'the "model" state dict' : 'the "model" state dict with the "ema_helper" weights'}`];
  if (ckpt.ignored.length > 0) lines.push(`not converted: ${ckpt.ignored.join(", ")}`);
  for (const [from, to] of ckpt.mapped) {
    const t = ckpt.tensors.get(from)!;
    const what = `${dtypeName[t.fileDtype]} [${t.shape.join(", ")}]`;
    lines.push(to === null ? `  ${from} (${what}) dropped: derived at run time` : `  ${from} -> ${to} (${what})`);
  }
  await writeSafetensorsFile(output, ckpt.mappedTensors, { format: "pt", source: basename(input), weights: values.ema ? "ema" : "model" });
  const params = [...ckpt.mappedTensors.values()].reduce((a, t) => a + t.data.length, 0);
  lines.push(`wrote ${output}: ${ckpt.mappedTensors.size} tensors, ${params} float32 values`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

export const command: Command = commandWithErrors("convert", run);
