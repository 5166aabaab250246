/**
 * The Realtime events the client reads and writes. The server is the one that validates them;
 * the client keeps a loose shape and picks out the fields it shows.
 */
export interface RealtimeEvent {
  type: string;
  [field: string]: unknown;
}

export interface ErrorDetail {
  type?: string;
  code?: string | null;
  message?: string;
  param?: string | null;
}

export interface ConversationItem {
  id?: string;
  type?: string;
  role?: string;
  status?: string;
  name?: string;
  call_id?: string;
  arguments?: string;
  output?: string;
  content?: Array<{ type?: string; text?: string; transcript?: string | null }>;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const item = (e: RealtimeEvent): ConversationItem | undefined => (typeof e.item === 'object' && e.item !== null ? (e.item as ConversationItem) : undefined);

/** A server event from a text frame or data-channel message; null for anything else (binary, not JSON). */
export function parseServerEvent(data: unknown): RealtimeEvent | null {
  if (typeof data !== 'string') return null;
  try {
    const e = JSON.parse(data) as unknown;
    return typeof e === 'object' && e !== null && typeof (e as RealtimeEvent).type === 'string' ? (e as RealtimeEvent) : null;
  } catch {
    return null;
  }
}
