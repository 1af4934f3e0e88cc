// Root files only; every package and app has its own eslint.config.js from @trm/eslint-config.
export default [{ ignores: ["**"] }];
