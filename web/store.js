// The one piece of shared state: who is logged in and their marks — the stars they gave,
// their watchlist and the films they turned down — loaded in one call (/api/me/marks), so
// every card on every page can show and change them. Pages read it; cards and the header
// listen.
import { api } from './api.js';

let me = null;
let ratings = new Map();   // movie id -> stars
let watchlist = new Set();
let hidden = new Set();
const userListeners = [];
const markListeners = [];

export function currentUser() { return me; }

export function onUserChange(f) { userListeners.push(f); }

// f(id) after a film's marks change, wherever they were changed.
export function onMarksChange(f) { markListeners.push(f); }
function changed(id) { for (const f of markListeners) f(id); }

async function set(user) {
  me = user; ratings = new Map(); watchlist = new Set(); hidden = new Set();
  if (me) await reloadMarks();
  for (const f of userListeners) f(me);
}

export async function reloadMarks() {
  try {
    const marks = await api('/api/me/marks');
    ratings = new Map(Object.entries(marks.ratings).map(([id, stars]) => [Number(id), stars]));
    watchlist = new Set(marks.watchlist);
    hidden = new Set(marks.not_interested);
  } catch { /* the lists show without marks */ }
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

export function myRating(id) { return ratings.get(id) ?? null; }
export function onWatchlist(id) { return watchlist.has(id); }
export function isHidden(id) { return hidden.has(id); }
export function ratedCount() { return ratings.size; }
// Films a "discover" list should not offer again: rated or turned down.
export function isDone(id) { return ratings.has(id) || hidden.has(id); }

export async function setWatchlisted(id, on) {
  await api(`/api/me/watchlist/${id}`, { method: on ? 'PUT' : 'DELETE' });
  if (on) watchlist.add(id); else watchlist.delete(id);
  changed(id);
}

export async function setHidden(id, on) {
  await api(`/api/me/not-interested/${id}`, { method: on ? 'PUT' : 'DELETE' });
  if (on) hidden.add(id); else hidden.delete(id);
  changed(id);
}

// Saves a rating (null removes it); says whether it took the film off the watchlist.
export async function rate(id, stars) {
  if (stars === null) {
    await api(`/api/me/ratings/${id}`, { method: 'DELETE' });
    ratings.delete(id); changed(id);
    return false;
  }
  const saved = await api(`/api/me/ratings/${id}`, { method: 'PUT', body: JSON.stringify({ rating: stars }) });
  ratings.set(id, stars);
  if (saved.removed_from_watchlist) watchlist.delete(id);
  changed(id);
  return Boolean(saved.removed_from_watchlist);
}
