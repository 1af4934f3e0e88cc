import { createTrm } from "@trm/core";
import { createHrm } from "@trm/hrm-baseline";
import { modelRegistry, type ModelRegistry } from "@trm/train";

/** The two model factories the comparison passes to the training loop, keyed by `arch.name`. */
export const MODEL_REGISTRY: ModelRegistry = modelRegistry({ trm: createTrm, hrm: createHrm });
