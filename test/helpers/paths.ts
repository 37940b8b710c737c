import { resolve } from 'node:path';

/** The repository root, wherever the tests are run from. */
export const ROOT = resolve(__dirname, '../..');
