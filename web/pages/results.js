// The full results of a search (Enter in the search box without picking a suggestion).
import { api } from '../api.js';
import { h, pageShower } from '../dom.js';
import { movieCard } from '../cards.js';

export async function resultsPage() {
  const show = pageShower();
  const q = new URLSearchParams(location.hash.split('?')[1] || '').get('q') || '';
  const body = await api(`/api/search?q=${encodeURIComponent(q)}&limit=50`);
  const exact = body.results.filter(r => !r.fuzzy), close = body.results.filter(r => r.fuzzy);
  show(`“${q}”`, h('h1', {}, `Results for “${q}”`),
    exact.length ? h('div', { class: 'row', id: 'results' }, ...exact.map(r => movieCard(r))) : h('p', { class: 'muted' }, 'No exact matches.'),
    close.length ? h('h2', {}, 'Close spellings') : null,
    close.length ? h('div', { class: 'row', id: 'close-results' }, ...close.map(r => movieCard(r))) : null);
}
