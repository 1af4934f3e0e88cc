// The public surface of @trm/hrm-baseline.
export { createHrm, Hrm, type CreateHrmOptions } from "./hrm.js";
export { HRM_FIELDS, resolveHrmConfig, type HrmConfig, type HrmConfigInput } from "./hrm-config.js";
export { countHrmParameters, hrmBlockConfig, hrmTensors } from "./hrm-params.js";
