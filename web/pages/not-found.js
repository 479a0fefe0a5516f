// A friendly "not found": what happened, a search box, and popular films to go on with.
import { api } from '../api.js';
import { h, pageShower } from '../dom.js';
import { movieCard } from '../cards.js';

export async function notFoundPage(what = 'page') {
  const show = pageShower();
  const row = h('div', { class: 'row' });
  const q = h('input', { id: 'nf-q', type: 'search', placeholder: 'A title…', autocomplete: 'off' });
  show(what === 'movie' ? 'Movie not found' : 'Page not found',
    h('h1', {}, what === 'movie' ? 'Movie not found' : 'Page not found'),
    h('p', {}, what === 'movie' ? "We don't know that movie. Try searching for it:" : "There's nothing at this address. Try a search:"),
    h('form', { class: 'inline', role: 'search', onsubmit: (e) => { e.preventDefault(); if (q.value.trim()) location.hash = `#/search?q=${encodeURIComponent(q.value.trim())}`; } },
      h('label', { for: 'nf-q' }, 'Search movies', q), h('button', { class: 'primary', type: 'submit' }, 'Search')),
    h('h2', {}, 'Popular right now'), row,
    h('p', {}, h('a', { href: '#/' }, 'Back to the home page')));
  try {
    const body = await api('/api/popular?limit=6');
    row.replaceChildren(...body.movies.map(m => movieCard(m)));
  } catch { row.remove(); }
}
