// The public surface of @trm/hrm-baseline. The forward pieces in hrm-forward.ts are internal.
export { createHrm, Hrm, type CreateHrmOptions } from "./hrm.js";
export { HRM_DEFAULTS, HrmConfigError, resolveHrmConfig, type HrmConfig } from "./hrm-config.js";
export { countHrmParameters, hrmBlockConfig, hrmTensorSpecs, type HrmTensorRole, type HrmTensorSpec } from "./hrm-params.js";
