// A friendly "not found": what happened, a search box, and well-loved films to go on with
// (for a member, none they rated or turned down).
import { api } from '../api.js';
import { h, pageShower } from '../dom.js';
import { movieCard, wholeLines } from '../cards.js';
import { currentUser } from '../store.js';

export async function notFoundPage(what = 'page') {
  const show = pageShower();
  const row = h('div', { class: 'row slide', id: 'not-found-films' });
  const q = h('input', { id: 'nf-q', type: 'search', placeholder: 'A title…', autocomplete: 'off' });
  show(what === 'movie' ? 'Movie not found' : 'Page not found',
    h('h1', {}, what === 'movie' ? 'Movie not found' : 'Page not found'),
    h('p', {}, what === 'movie' ? "We don't know that movie. Try searching for it:" : "There's nothing at this address. Try a search:"),
    h('form', { class: 'inline', role: 'search', onsubmit: (e) => { e.preventDefault(); if (q.value.trim()) location.href = `/#/search?q=${encodeURIComponent(q.value.trim())}`; } },
      h('label', { for: 'nf-q' }, 'Search movies', q), h('button', { class: 'primary', type: 'submit' }, 'Search')),
    h('h2', {}, 'All-time favourites'), row,
    h('p', {}, h('a', { href: '/#/' }, 'Back to the home page')));
  try {
    const body = await api(`/api/popular?limit=12${currentUser() ? '&hide_rated=true' : ''}`);
    row.replaceChildren(...body.movies.map(m => movieCard(m)));
    wholeLines(row);
  } catch { row.remove(); }
}
