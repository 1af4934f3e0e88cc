import { config } from "@trm/eslint-config";

export default config(import.meta.dirname);
