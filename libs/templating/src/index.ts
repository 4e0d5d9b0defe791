export * from './body-template';
export * from './body-renderer';
export { JsonSyntaxError, MAX_JSON_DEPTH } from './json-syntax';
