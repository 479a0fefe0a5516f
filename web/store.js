// The one piece of shared state: who is logged in. Pages read it; the header listens.
import { api } from './api.js';

let me = null;
const listeners = [];

export function currentUser() { return me; }

export function onUserChange(f) { listeners.push(f); }

function set(user) { me = user; for (const f of listeners) f(me); }

export async function loadMe() {
  try { set((await api('/api/sessions/current')).user); } catch { set(null); }
}

export async function logout() {
  try { await api('/api/sessions', { method: 'DELETE' }); } catch { /* already gone */ }
  set(null);
}
