export type AgentErrorCode =
  /** A file that is not valid YAML or not a valid agent. */
  | 'agent_invalid'
  /** Two files define the same agent (`a.yaml` and `a.yml`). */
  | 'agent_duplicate'
  /** The configured default agent has no file. */
  | 'agent_not_found'
  | 'agents_dir_missing'
  /** The folder holds no `*.yaml` / `*.yml` file. */
  | 'agents_dir_empty';

/** One problem with the agent definitions; the message names the file and the field. */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    /** The file at fault, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/** Every problem found, in one error, so an operator can fix them all in one go. */
export class AgentLoadError extends Error {
  readonly code = 'agents_invalid';
  constructor(readonly problems: readonly AgentError[]) {
    const n = problems.length;
    super(`Invalid agent definitions (${n} problem${n === 1 ? '' : 's'}):\n  - ${problems.map((p) => p.message).join('\n  - ')}`);
    this.name = 'AgentLoadError';
  }
}
