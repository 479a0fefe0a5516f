// Sign up: an account and the genres you like.
import { api } from '../api.js';
import { h, pageShower, errorBox, field } from '../dom.js';
import { loadMe } from '../store.js';

function signupMessage(e) {
  if (e.code === 'conflict') return 'That username is taken. Try another one.';
  if (e.code === 'bad_parameter') {
    if (e.parameter === 'username') return 'Pick a username of 3 to 32 letters, digits, _ . or -.';
    if (e.parameter === 'password') {
      if (/common/.test(e.message)) return 'That password is one of the most common ones. Choose another.';
      if (/username/.test(e.message)) return "Your password can't contain your username.";
      if (/guess/.test(e.message)) return 'That password is too easy to guess. Use more different characters.';
      return 'Use a password of 8 to 128 characters.';
    }
    if (e.parameter === 'genres') return 'Pick at least 3 genres you like.';
  }
  return null;
}

export async function signupPage() {
  const show = pageShower();
  const { genres } = await api('/api/genres');
  const chosen = new Set();
  const err = h('div', { 'aria-live': 'assertive' });
  const count = h('p', { class: 'muted', role: 'status' }, 'Pick at least 3.');
  const tiles = h('div', { class: 'chips', role: 'group', 'aria-label': 'Genres you like' },
    ...genres.map(g => h('button', { class: 'chip', type: 'button', 'aria-pressed': 'false', 'data-genre': g.name,
      onclick: (e) => {
        const on = !chosen.has(g.name);
        if (on) chosen.add(g.name); else chosen.delete(g.name);
        e.currentTarget.setAttribute('aria-pressed', String(on));
        count.textContent = `${chosen.size} picked${chosen.size < 3 ? ' (pick at least 3)' : ''}.`;
      } }, g.name)));
  async function submit(e) {
    e.preventDefault();
    const f = e.target;
    try {
      await api('/api/users', { method: 'POST', body: JSON.stringify({ username: f.username.value, password: f.password.value, genres: [...chosen] }) });
      await loadMe(); location.hash = '#/welcome';
    } catch (x) { err.replaceChildren(errorBox(x, signupMessage(x))); }
  }
  show('Sign up', h('h1', {}, 'Sign up'),
    h('form', { onsubmit: submit },
      h('h2', {}, '1. Your account'),
      h('div', { class: 'inline form' }, field('username', 'Username (3–32 letters, digits, _ . -)', { type: 'text', autocomplete: 'username', required: true, minlength: 3, maxlength: 32 }),
        field('password', 'Password (at least 8 characters)', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })),
      h('h2', {}, '2. Genres you like'), tiles, count,
      h('button', { class: 'primary', type: 'submit', id: 'signup-submit' }, 'Create account')), err);
}
