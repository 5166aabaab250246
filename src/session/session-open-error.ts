export class SessionOpenError extends Error {
  constructor(
    readonly code: 'engine_unavailable' | 'engine_failed' | 'resume_refused' | 'recording_unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'SessionOpenError';
  }
}
