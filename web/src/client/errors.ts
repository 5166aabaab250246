/** A problem in words a person understands, with what to do next. */
export interface Problem {
  title: string;
  hint: string;
}

const BY_CODE: Record<string, Problem> = {
  missing_credential: { title: 'This agent needs a key.', hint: 'Ask the site owner for access, or pick a public agent.' },
  invalid_credential: { title: 'The access key was not accepted.', hint: 'Reload the page to get a fresh one.' },
  credential_expired: { title: 'Your access expired.', hint: 'Press Start to begin a new conversation.' },
  credential_revoked: { title: 'Your access was revoked.', hint: 'Ask the site owner for a new key.' },
  insufficient_scope: { title: 'You may not talk to this agent.', hint: 'Pick another agent.' },
  agent_not_found: { title: 'That agent is not available.', hint: 'Reload the page and pick another agent.' },
  rate_limited: { title: 'Too many conversations from here right now.', hint: 'Wait a minute, then press Start again.' },
  too_many_sessions: { title: 'Too many conversations are open from here.', hint: 'Close other tabs with a conversation, then try again.' },
  server_draining: { title: 'The server is restarting.', hint: 'Press Start again in a few seconds.' },
  origin_not_allowed: { title: 'This page is not allowed to use the server.', hint: 'Open the page from the server’s own address.' },
  resume_refused: { title: 'The conversation could not be resumed.', hint: 'Press Start to begin a new one.' },
  session_not_found: { title: 'The conversation is over.', hint: 'Press Start to begin a new one.' },
};

const BY_NAME: Record<string, Problem> = {
  NotAllowedError: { title: 'The microphone is blocked.', hint: 'Allow microphone access for this site (the icon in the address bar), then press Start.' },
  NotFoundError: { title: 'No microphone was found.', hint: 'Connect a microphone, or type your message below.' },
  NotReadableError: { title: 'The microphone is in use by another program.', hint: 'Close the other program, then press Start.' },
  SecurityError: { title: 'The browser blocked the microphone on this page.', hint: 'Open the page over https:// (or on localhost).' },
};

/** An error from the server (`code`, `message`), the browser, or the network. */
export function describeProblem(err: unknown): Problem {
  if (err instanceof ServerProblem) return BY_CODE[err.code] ?? { title: err.message, hint: err.status >= 500 ? 'Try again in a moment; if it keeps happening, tell the site owner.' : 'Check the settings, then press Start.' };
  if (err instanceof DOMException && BY_NAME[err.name]) return BY_NAME[err.name]!;
  if (err instanceof TypeError) return { title: 'The server could not be reached.', hint: 'Check your connection; the page will keep trying.' };
  return { title: err instanceof Error ? err.message : String(err), hint: 'Press Start to try again.' };
}

/** A refusal or failure the server explained, with its code. */
export class ServerProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}
