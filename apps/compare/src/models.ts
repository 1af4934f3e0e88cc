import { createTrm } from "@trm/core";
import { createHrm } from "@trm/hrm-baseline";
import type { ArchConfig, DatasetShape, ModelRegistry } from "@trm/train";

/** The architecture in official names plus the dataset's vocabulary, length and puzzle count. */
function officialConfig(arch: ArchConfig, data: DatasetShape): Record<string, unknown> {
  return { ...arch, ...data };
}

/** The two model factories the comparison passes to the training loop, keyed by `arch.name`. */
export const MODEL_REGISTRY: ModelRegistry = {
  trm: (arch, data, { seed }) => createTrm(officialConfig(arch, data), { seed }),
  hrm: (arch, data, { seed }) => createHrm(officialConfig(arch, data), { seed }),
};
