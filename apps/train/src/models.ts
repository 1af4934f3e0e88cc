// The model factories this command line offers, keyed by `arch.name`. @trm/train never imports a model package:
// the application wires them here.
import { createTrm } from "@trm/core";
import { createHrm } from "@trm/hrm-baseline";
import { modelRegistry, type ModelRegistry } from "@trm/train";

export const MODELS: ModelRegistry = modelRegistry({ trm: createTrm, hrm: createHrm });
