export * from './numbers.js';
export { DisconnectError } from './errors.js';
