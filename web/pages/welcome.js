// After signing up: rate a few films, then see the recommendations.
import { api } from '../api.js';
import { h, setPage, poster, ratingControl } from '../dom.js';
import { currentUser } from '../store.js';

export async function welcomePage() {
  const me = currentUser();
  if (!me) { location.hash = '#/login'; return; }
  const body = await api('/api/me/onboarding?limit=20');
  const rated = new Set();
  const status = h('p', { class: 'muted', role: 'status' }, 'Rate what you have seen; skip the rest.');
  const grid = h('div', { class: 'row' }, ...body.movies.map(m => h('div', { class: 'card' },
    poster(m, ''),
    h('div', { class: 'body' },
      h('a', { class: 'title', href: `#/movie/${m.id}` }, m.title),
      h('div', { class: 'sub' }, [m.year, m.genres.slice(0, 2).join(' · ')].filter(Boolean).join(' · ')),
      ratingControl(`onb-${m.id}`, null, async (v) => {
        try {
          if (v === null) { await api(`/api/me/ratings/${m.id}`, { method: 'DELETE' }); rated.delete(m.id); }
          else { await api(`/api/me/ratings/${m.id}`, { method: 'PUT', body: JSON.stringify({ rating: v }) }); rated.add(m.id); }
          status.textContent = `${rated.size} rated.`;
        } catch { status.textContent = "Couldn't save that rating. Try again."; }
      }, 'Your rating')))));
  setPage('Welcome', h('h1', {}, `Welcome, ${me.username}`),
    h('p', {}, 'Rate a few of these, then see what we pick for you.'), status, grid,
    h('p', {}, h('a', { class: 'primary button', href: '#/for-you', id: 'see-for-you' }, 'See my recommendations →')));
}
