// For you: personal recommendations with their reasons, refreshed in place after a card
// action, and your ratings.
import { api } from '../api.js';
import { h, pageShower, year, errorBox } from '../dom.js';
import { movieCard } from '../cards.js';
import { starRating } from '../stars.js';
import { currentUser, rate } from '../store.js';

export async function forYouPage() {
  const show = pageShower();
  if (!currentUser()) { location.hash = '#/login'; return; }
  const row = h('div', { class: 'row slide', id: 'recommendations' });
  const basis = h('p', { class: 'muted' });
  async function refresh() {
    try {
      const recs = await api('/api/me/recommendations?limit=12');
      basis.textContent = recs.ratings ? `Based on your ${recs.ratings} ratings and your genres.` : 'Rate a few movies to make this personal; for now, the best of your genres.';
      // Keep the cards that stay (and their place on screen); add the new ones in order.
      const kept = new Map([...row.querySelectorAll('.card[data-id]')].map(c => [Number(c.dataset.id), c]));
      row.replaceChildren(...recs.recommendations.map(r => kept.get(r.movie.id) ||
        movieCard(r.movie, h('div', { class: 'reason' }, r.reason), { onChange: (what) => { if (what === 'hidden' || what === 'rated') refresh(); } })));
    } catch (e) { row.replaceChildren(errorBox(e, "Couldn't load your recommendations right now.")); }
  }
  const ratings = await api('/api/me/ratings');
  const ratingsList = h('ul', { class: 'plain' }, ...ratings.ratings.map(r => h('li', {},
    h('a', { href: `#/movie/${r.movie.id}` }, r.movie.title + year(r.movie)), ' ',
    starRating({ id: `r-${r.movie.id}`, label: `Your rating of ${r.movie.title}`, value: r.rating, onChange: async (v) => { await rate(r.movie.id, v); refresh(); } }))));
  show('For you', h('h1', {}, 'For you'), basis, row,
    h('p', {}, h('a', { href: '#/watchlist' }, 'Your watchlist →')),
    h('h2', {}, 'Your ratings'), ratings.ratings.length ? ratingsList : h('p', { class: 'muted' }, 'No ratings yet.'));
  await refresh();
}
