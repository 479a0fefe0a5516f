// Log in.
import { api } from '../api.js';
import { h, pageShower, errorBox, field } from '../dom.js';
import { loadMe } from '../store.js';

function loginMessage(e) {
  if (e.code === 'unauthorized') return 'Wrong username or password.';
  if (e.code === 'too_many_requests') return 'Too many tries in a row. Wait a little and try again.';
  if (e.code === 'bad_parameter' || e.code === 'bad_request') return 'Enter your username and password.';
  return null;
}

export async function loginPage() {
  const show = pageShower();
  const err = h('div', { 'aria-live': 'assertive' });
  async function submit(e) {
    e.preventDefault();
    const f = e.target;
    try {
      await api('/api/sessions', { method: 'POST', body: JSON.stringify({ username: f.username.value, password: f.password.value }) });
      await loadMe(); location.hash = '#/for-you';
    } catch (x) { err.replaceChildren(errorBox(x, loginMessage(x))); }
  }
  show('Log in', h('h1', {}, 'Log in'),
    h('form', { class: 'inline', onsubmit: submit },
      field('username', 'Username', { type: 'text', autocomplete: 'username', required: true }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
      h('button', { class: 'primary', type: 'submit' }, 'Log in')), err,
    h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Sign up')));
}
