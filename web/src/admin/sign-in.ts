import { AdminApi, ApiError, authProblem } from './api.js';
import { el, fill } from './dom.js';

/**
 * The sign-in form: the key is tried on `GET /api/sessions` before it is kept, so a wrong or
 * non-admin key is explained here, with what to do about it. `notice`: why the last key was
 * dropped (it stopped working while signed in).
 */
/** `a command` in a hint → a <code> element (text nodes both). */
const withCode = (text: string): (string | HTMLElement)[] => text.split('`').map((part, i) => (i % 2 === 1 ? el('code', {}, part) : part));

export function signInView(onSignedIn: (key: string) => void, notice?: ApiError): HTMLElement {
  const input = el('input', { type: 'password', id: 'admin-key', name: 'admin-key', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'admin-key-help sign-in-error' });
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const error = el('div', { id: 'sign-in-error', class: 'error-box', role: 'alert', hidden: true });

  const showError = (err: unknown): void => {
    if (err instanceof ApiError && err.isAuth) {
      const p = authProblem(err);
      fill(error, el('p', { class: 'error-title' }, p.title), el('p', {}, ...withCode(p.detail)), el('p', { class: 'muted small' }, `The server said: ${err.message}`));
    } else {
      fill(error, el('p', { class: 'error-title' }, 'Could not sign in.'), el('p', {}, err instanceof Error ? err.message : String(err)));
    }
    error.hidden = false;
  };

  const form = el(
    'form',
    { class: 'panel sign-in', novalidate: true },
    el('h1', { tabindex: '-1', class: 'page-title' }, 'Sign in to the admin view'),
    el(
      'p',
      { id: 'admin-key-help', class: 'muted' },
      'The admin view needs an admin key: PARLEY_API_KEY, or a key made with ',
      el('code', {}, 'parley keys create --name ops --scope admin'),
      '. On a development machine Parley writes one to ',
      el('code', {}, '<data dir>/admin-key'),
      '. The key is kept in this tab only (session storage) until you sign out.',
    ),
    el('label', { for: 'admin-key' }, 'Admin key'),
    el('div', { class: 'key-row' }, input, submit),
    error,
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) {
      showError(new ApiError(401, 'missing_credential', 'No key was entered.'));
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Checking…';
    error.hidden = true;
    new AdminApi(key)
      .pastSessions({ limit: 1 })
      .then(() => onSignedIn(key))
      .catch((err: unknown) => {
        showError(err);
        input.focus();
        input.select();
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = 'Sign in';
      });
  });

  if (notice) {
    showError(notice);
    const title = error.querySelector('.error-title');
    if (title) title.textContent = `You were signed out. ${title.textContent ?? ''}`;
  }
  return el('div', { class: 'sign-in-page' }, form);
}
