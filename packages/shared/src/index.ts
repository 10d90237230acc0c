export * from './api.js';
export * from './attack-lab.js';
export * from './errors.js';
export * from './tokens.js';
export * from './mismatch.js';
