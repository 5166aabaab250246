import { freePort, startTestServer, type TestServer } from './server.js';

/** A Twilio Auth Token for tests (Twilio's are 32 hex characters). */
export const TWILIO_AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
export const TWILIO_ACCOUNT_SID = `AC${'1'.repeat(32)}`;

export interface TwilioTestServer extends TestServer {
  publicUrl: string;
  authToken: string;
}

/**
 * Parley with phone calls on: agents from `agents/`, PUBLIC_URL its own loopback URL (so
 * Twilio's signatures are over the URL the simulator really calls), the given engine.
 */
export async function startTwilioServer(overrides: Record<string, unknown> = {}, opts: Parameters<typeof startTestServer>[1] = {}): Promise<TwilioTestServer> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const twilio = { publicUrl, authToken: TWILIO_AUTH_TOKEN, ...(overrides.twilio as object | undefined) };
  const srv = await startTestServer({ ...overrides, twilio }, { agentsDir: 'agents', ...opts, port });
  return { ...srv, publicUrl, authToken: TWILIO_AUTH_TOKEN };
}
