import type { AddressInfo } from 'node:net';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from '../config/load.js';
import { defaultEngines } from '../engines/index.js';
import { OpenAIEngineError, openaiEngineConfigFromEnv } from '../engines/openai/index.js';
import { NetworkConfigError, networkProvidersFromEnv } from '../engines/local/network/index.js';
import { buildServer } from '../server/app.js';
import { AgentLoadError, agentVocabulary, loadAgents, type AgentRegistry } from '../agents/index.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/types.js';
import type { Logger } from 'pino';
import { openStore } from '../store/index.js';
import { createLogger } from '../server/logger.js';
import { installShutdown } from '../server/shutdown.js';
import { bootstrapAdminKey } from './bootstrap-admin-key.js';
import { UsageError } from './command.js';
import { keysCommand } from './keys.js';
import { loadCommand } from './load/index.js';
import { phoneCommand } from './phone.js';
import { talkCommand } from './talk.js';

const USAGE = `Usage: parley <command>

Commands:
  serve     start the Parley server (reads .env, ${'PARLEY_CONFIG'} and the environment)
  keys      create, list and revoke API keys (parley keys help)
  talk      talk to an agent from the terminal: microphone, WAV files or text (parley talk --help)
  phone     call Parley as Twilio would, no phone needed: WAV files in, what you heard out (parley phone --help)
  load      simulated callers at real-time pace against a server: latency, audio timeliness, failures (parley load --help)
  help      show this help`;

/** The agents and the store they run over (opened with the default agent's time zone). */
async function agentsAndStore(config: Config, engineNames: string[], logger: Logger): Promise<{ agents: AgentRegistry; store: Store }> {
  const agents = await loadAgents(config.agents.dir, { engines: engineNames, defaultAgent: config.agents.default });
  const timeZone = agentVocabulary(agents.get(config.agents.default)!).timeZone;
  const store = await openStore({ dataDir: config.store.dataDir, databaseUrl: config.store.databaseUrl, timeZone });
  logger.info({ database: store.db.kind, agents: agents.list().map((a) => a.name) }, 'store and agents ready');
  await bootstrapAdminKey(config, store, logger);
  return { agents, store };
}

async function serve(): Promise<void> {
  // .env fills only variables the environment does not already set.
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const network = networkProvidersFromEnv(process.env);
  const logger = createLogger(config.log);
  const openai = openaiEngineConfigFromEnv(process.env);
  const engines = await defaultEngines(logger, { network, openai });
  const server = config.agents.enabled ? await buildServer(config, { engines, logger, ...(await agentsAndStore(config, engines.names(), logger)) }) : await buildServer(config, { engines, logger });
  installShutdown(server, logger, { drainMs: config.server.drainTimeoutMs, timeoutMs: config.server.shutdownTimeoutMs });
  await server.app.listen({ port: config.server.port, host: config.server.host });
  // The bound port, not the configured one: PORT=0 picks a free port (tests start Parley that way).
  const { port } = server.app.server.address() as AddressInfo;
  const scheme = config.server.tlsCertFile ? 'https' : 'http';
  logger.info({ engine: config.engine.default, port }, `Parley is listening on ${scheme}://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${port}`);
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve'] = argv;
  if (command === 'serve') return serve();
  if (command === 'keys') {
    loadDotenv({ quiet: true });
    return void process.stdout.write(await keysCommand(loadConfig(), argv.slice(1)));
  }
  if (command === 'talk') return void (process.exitCode = await talkCommand(argv.slice(1)));
  if (command === 'phone') return void (process.exitCode = await phoneCommand(argv.slice(1)));
  if (command === 'load') return void (process.exitCode = await loadCommand(argv.slice(1)));
  if (command === 'help' || command === '--help' || command === '-h') return void console.log(USAGE);
  console.error(`Unknown command '${command}'.\n\n${USAGE}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof UsageError || err instanceof NetworkConfigError || err instanceof AgentLoadError || err instanceof OpenAIEngineError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
