import initial from './001_initial.js';
import apiKeys from './002_api_keys.js';
import phoneCalls from './003_phone_calls.js';

/**
 * One schema migration: `statements` run in order, in one transaction, on PGlite and on
 * PostgreSQL alike (one statement per entry, because PGlite's query() takes one at a time).
 * Never edit a released migration; add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** Every migration this code knows, in version order. */
export const MIGRATIONS: readonly Migration[] = [initial, apiKeys, phoneCalls];
