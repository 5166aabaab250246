// Beta (`OpenAI-Beta: realtime=v1`) ⇄ GA translation of the Realtime protocol.
export { isBetaClient } from './negotiate.js';
export { betaClientEventToGA, type ClientEventTranslation } from './client-events.js';
export { gaServerEventToBeta, type GAServerEvent } from './server-events.js';
export { betaSessionToGA, betaTranscriptionSessionToGA, gaSessionToBeta } from './session.js';
export { betaResponseParamsToGA, gaResponseToBeta } from './response.js';
export { betaItemToGA, gaItemToBeta, gaContentPartToBeta } from './items.js';
