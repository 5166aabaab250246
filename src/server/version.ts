import { readFileSync } from 'node:fs';

/** The package version (package.json sits two folders up from both src/server and dist/server). */
export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
