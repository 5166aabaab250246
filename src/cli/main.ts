import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from '../config/load.js';
import { defaultEngines } from '../engines/index.js';
import { OpenAIEngineError, openaiEngineConfigFromEnv } from '../engines/openai/index.js';
import { NetworkConfigError, networkProvidersFromEnv } from '../engines/local/network/index.js';
import { buildServer } from '../server/app.js';
import { AgentLoadError, agentVocabulary, loadAgents } from '../agents/index.js';
import { openStore } from '../store/index.js';
import { createLogger } from '../server/logger.js';
import { installShutdown } from '../server/shutdown.js';

const USAGE = `Usage: parley <command>

Commands:
  serve     start the Parley server (reads .env, ${'PARLEY_CONFIG'} and the environment)
  help      show this help`;

async function serve(): Promise<void> {
  // .env fills only variables the environment does not already set.
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const network = networkProvidersFromEnv(process.env);
  const logger = createLogger(config.log);
  const openai = openaiEngineConfigFromEnv(process.env);
  const engines = await defaultEngines(logger, { network, openai });
  const agents = await loadAgents(config.agents.dir, { engines: engines.names(), defaultAgent: config.agents.default });
  const timeZone = agentVocabulary(agents.get(config.agents.default)!).timeZone;
  const store = await openStore({ dataDir: config.store.dataDir, databaseUrl: config.store.databaseUrl, timeZone });
  logger.info({ database: store.db.kind, agents: agents.list().map((a) => a.name) }, 'store and agents ready');
  const server = await buildServer(config, { engines, logger, agents, store });
  installShutdown(server, logger, config.server.shutdownTimeoutMs);
  await server.app.listen({ port: config.server.port, host: config.server.host });
  logger.info({ engine: config.engine.default }, `Parley is listening on http://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${config.server.port}`);
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve'] = argv;
  if (command === 'serve') return serve();
  if (command === 'help' || command === '--help' || command === '-h') return void console.log(USAGE);
  console.error(`Unknown command '${command}'.\n\n${USAGE}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof NetworkConfigError || err instanceof AgentLoadError || err instanceof OpenAIEngineError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
