import { listAgents, type AgentSummary } from './api.js';
import { MicLevel } from './audio/mic-level.js';
import { CallController, type ModeChoice } from './call-controller.js';
import { STATE_LABEL, type CallState } from './conversation-state.js';
import { describeProblem, type Problem } from './errors.js';
import './debug-api.js';
import { TranscriptView } from './ui/transcript-view.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const ui = {
  agent: $<HTMLSelectElement>('agent'),
  agentDescription: $<HTMLParagraphElement>('agent-description'),
  voice: $<HTMLSelectElement>('voice'),
  mode: $<HTMLSelectElement>('mode'),
  ptt: $<HTMLInputElement>('ptt'),
  start: $<HTMLButtonElement>('start'),
  state: $<HTMLDivElement>('state'),
  level: $<HTMLMeterElement>('level'),
  session: $<HTMLParagraphElement>('session'),
  micWarning: $<HTMLDivElement>('mic-warning'),
  problem: $<HTMLDivElement>('problem'),
  problemTitle: $<HTMLElement>('problem-title'),
  problemHint: $<HTMLElement>('problem-hint'),
  talk: $<HTMLButtonElement>('talk'),
  talkHint: $<HTMLSpanElement>('talk-hint'),
  textForm: $<HTMLFormElement>('text-form'),
  text: $<HTMLInputElement>('text'),
  send: $<HTMLButtonElement>('send'),
  player: $<HTMLAudioElement>('player'),
  transcript: $<HTMLOListElement>('transcript'),
};

const transcriptView = new TranscriptView(ui.transcript);
const events: string[] = [];
const states: CallState[] = [];
let agents: AgentSummary[] = [];

const micLevel = new MicLevel({
  level: (dbfs) => (ui.level.value = dbfs),
  silent: (isSilent) => (ui.micWarning.hidden = !isSilent),
});

function showProblem(p: Problem | null): void {
  ui.problem.hidden = p === null;
  ui.problemTitle.textContent = p?.title ?? '';
  ui.problemHint.textContent = p?.hint ?? '';
}

function showState(s: CallState): void {
  states.push(s);
  ui.state.dataset.state = s;
  ui.state.textContent = STATE_LABEL[s];
  const live = s !== 'idle' && s !== 'ended';
  ui.start.textContent = live ? 'Stop' : 'Start';
  ui.text.disabled = ui.send.disabled = !live || s === 'connecting' || s === 'reconnecting';
  ui.talk.disabled = ui.text.disabled;
  for (const c of [ui.agent, ui.voice, ui.mode]) c.disabled = live;
  if (!live) {
    micLevel.reset();
    ui.level.value = -90;
  }
}

const controller = new CallController(
  {
    state: showState,
    entry: (e) => transcriptView.render(e),
    micRms: (rms) => micLevel.push(rms),
    problem: showProblem,
    connected: ({ sessionId, mode, reconnects }) => {
      ui.session.textContent = `Session ${sessionId} · ${mode === 'webrtc' ? 'WebRTC' : 'WebSocket'}${reconnects ? ` · reconnected ${reconnects}×` : ''}`;
      showProblem(null);
    },
    event: (e) => events.push(e.type),
  },
  ui.player,
);

ui.start.addEventListener('click', () => {
  if (ui.start.textContent === 'Stop') return controller.stop();
  transcriptView.clear();
  events.length = 0;
  states.length = 0;
  void controller.start({ agent: ui.agent.value, voice: ui.voice.value || undefined, mode: ui.mode.value as ModeChoice, pushToTalk: ui.ptt.checked });
});

ui.agent.addEventListener('change', () => describeAgent());
ui.ptt.addEventListener('change', () => {
  ui.talk.hidden = ui.talkHint.hidden = !ui.ptt.checked;
  controller.setPushToTalk(ui.ptt.checked);
});

ui.textForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.text.value.trim();
  if (!text) return;
  controller.sendText(text);
  ui.text.value = '';
});

// Push-to-talk: hold the button (pointer or keyboard) or the space bar outside text fields.
const press = (): void => {
  ui.talk.setAttribute('aria-pressed', 'true');
  controller.talkPressed();
};
const release = (): void => {
  ui.talk.setAttribute('aria-pressed', 'false');
  controller.talkReleased();
};
ui.talk.addEventListener('pointerdown', press);
ui.talk.addEventListener('pointerup', release);
ui.talk.addEventListener('pointerleave', () => ui.talk.getAttribute('aria-pressed') === 'true' && release());
const typing = (t: EventTarget | null): boolean => t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
window.addEventListener('keydown', (e) => {
  if (e.code !== 'Space' || !ui.ptt.checked || e.repeat || typing(e.target) || ui.talk.disabled) return;
  e.preventDefault();
  press();
});
window.addEventListener('keyup', (e) => {
  if (e.code !== 'Space' || !ui.ptt.checked || typing(e.target)) return;
  e.preventDefault();
  release();
});

function describeAgent(): void {
  const a = agents.find((x) => x.name === ui.agent.value);
  ui.agentDescription.textContent = a?.description ?? '';
  if (a) ui.voice.value = a.voice;
}

async function loadAgents(): Promise<void> {
  try {
    const list = await listAgents();
    agents = list.agents;
    ui.agent.replaceChildren(...agents.map((a) => new Option(a.name, a.name, a.name === list.default, a.name === list.default)));
    ui.voice.replaceChildren(...list.voices.map((v) => new Option(v, v)));
    if (agents.length === 0) showProblem({ title: 'No agents are open to the public here.', hint: 'Ask the site owner for access.' });
    describeAgent();
  } catch (err) {
    showProblem(describeProblem(err));
  }
}

window.parley = {
  state: () => controller.conversation.state,
  states,
  sessionId: () => controller.sessionId,
  mode: () => controller.mode,
  events,
  stats: () => controller.stats(),
};

void loadAgents();
