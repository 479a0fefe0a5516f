// The one piece of shared state: who is logged in, and their watchlist and "not interested"
// films, so every card can show and change them. Pages read it; the header listens.
import { api } from './api.js';

let me = null;
let watchlist = new Set();
let hidden = new Set();
const listeners = [];

export function currentUser() { return me; }

export function onUserChange(f) { listeners.push(f); }

async function set(user) {
  me = user; watchlist = new Set(); hidden = new Set();
  if (me) {
    try {
      const [wl, ni] = await Promise.all([api('/api/me/watchlist'), api('/api/me/not-interested')]);
      watchlist = new Set(wl.entries.map(e => e.movie.id));
      hidden = new Set(ni.movies.map(m => m.id));
    } catch { /* the lists show without marks */ }
  }
  for (const f of listeners) f(me);
}

export async function loadMe() {
  let user = null;
  try { user = (await api('/api/sessions/current')).user; } catch { /* logged out */ }
  await set(user);
}

export async function logout() {
  try { await api('/api/sessions', { method: 'DELETE' }); } catch { /* already gone */ }
  await set(null);
}

export function onWatchlist(id) { return watchlist.has(id); }
export function isHidden(id) { return hidden.has(id); }

export async function setWatchlisted(id, on) {
  await api(`/api/me/watchlist/${id}`, { method: on ? 'PUT' : 'DELETE' });
  if (on) watchlist.add(id); else watchlist.delete(id);
}

export async function setHidden(id, on) {
  await api(`/api/me/not-interested/${id}`, { method: on ? 'PUT' : 'DELETE' });
  if (on) hidden.add(id); else hidden.delete(id);
}

// Saves a rating (null removes it); says whether it took the film off the watchlist.
export async function rate(id, stars) {
  if (stars === null) { await api(`/api/me/ratings/${id}`, { method: 'DELETE' }); return false; }
  const saved = await api(`/api/me/ratings/${id}`, { method: 'PUT', body: JSON.stringify({ rating: stars }) });
  if (saved.removed_from_watchlist) watchlist.delete(id);
  return Boolean(saved.removed_from_watchlist);
}
