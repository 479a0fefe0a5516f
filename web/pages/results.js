// The full results of a search (Enter in the search box without picking a suggestion); when
// nothing matches as typed, the close spellings, and always a way on.
import { api } from '../api.js';
import { h, pageShower } from '../dom.js';
import { movieCard } from '../cards.js';

export async function resultsPage() {
  const show = pageShower();
  const q = new URLSearchParams(location.hash.split('?')[1] || '').get('q') || '';
  const body = await api(`/api/search?q=${encodeURIComponent(q)}&limit=50`);
  const exact = body.results.filter(r => !r.fuzzy), close = body.results.filter(r => r.fuzzy);
  const wayOn = h('p', { class: 'muted' }, 'Not what you wanted? Try fewer words, or ', h('a', { href: '#/browse' }, 'browse by genre and decade'), '.');
  if (exact.length) {
    show(`“${q}”`, h('h1', {}, `Results for “${q}”`), h('div', { class: 'row', id: 'results' }, ...exact.map(r => movieCard(r))), wayOn);
  } else if (close.length) {
    show(`“${q}”`, h('h1', {}, `Results for “${q}”`), h('p', {}, `Nothing is called “${q}”. Did you mean one of these?`),
      h('div', { class: 'row', id: 'close-results' }, ...close.map(r => movieCard(r))), wayOn);
  } else {
    show(`“${q}”`, h('h1', {}, `Results for “${q}”`), h('p', { id: 'no-results' }, `No film matches “${q}”.`), wayOn);
  }
}
