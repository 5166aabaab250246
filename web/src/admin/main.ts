import '../shared/styles.css';
import './admin.css';
import { AdminApi, savedKey, saveKey, type ApiError } from './api.js';
import { button, el, fill } from './dom.js';
import { sessionDetailView } from './session-detail.js';
import { sessionListView } from './session-list.js';
import { signInView } from './sign-in.js';
import type { View } from './view.js';

/*
 * The admin view at /admin: sign in with an admin key, then `#/` (live and past sessions) and
 * `#/sessions/<id>` (one session). Routing is by hash, so every page is a real link.
 */

const root = document.getElementById('app') as HTMLElement;
const nav = document.getElementById('admin-nav') as HTMLElement;
let api: AdminApi | null = null;
let view: View | null = null;

function show(next: View | HTMLElement, focus: boolean): void {
  view?.dispose();
  view = next instanceof HTMLElement ? null : next;
  fill(root, next instanceof HTMLElement ? next : next.element);
  view?.start();
  if (focus) root.querySelector<HTMLElement>('h1')?.focus();
}

function signOut(reason?: ApiError): void {
  saveKey(null);
  api = null;
  fill(nav, el('a', { href: '/' }, 'Caller client'));
  show(signInView(signIn, reason), false);
  root.querySelector<HTMLInputElement>('#admin-key')?.focus();
}

function signIn(key: string): void {
  saveKey(key);
  const current: AdminApi = new AdminApi(key, (err) => {
    // A key that stops working (revoked, expired) signs out, once, with the reason.
    if (api === current) signOut(err);
  });
  api = current;
  fill(nav, el('a', { href: '/' }, 'Caller client'), button('Sign out', () => signOut(), { class: 'sign-out' }));
  route(true);
}

function route(focus: boolean): void {
  if (!api) return;
  const m = /^#\/sessions\/(.+)$/.exec(location.hash);
  const id = m?.[1] ? decodeURIComponent(m[1]) : null;
  document.title = id ? `Session ${id} · Parley admin` : 'Sessions · Parley admin';
  show(id ? sessionDetailView(api, id) : sessionListView(api), focus);
}

window.addEventListener('hashchange', () => route(true));

const key = savedKey();
if (key) signIn(key);
else signOut();
