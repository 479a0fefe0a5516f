// For you: personal recommendations with their reasons, your ratings and your watchlist.
import { api } from '../api.js';
import { h, setPage, movieCard, year } from '../dom.js';
import { starRating } from '../stars.js';
import { currentUser } from '../store.js';

export async function forYouPage() {
  if (!currentUser()) { location.hash = '#/login'; return; }
  const [recs, ratings, wl] = await Promise.all([api('/api/me/recommendations?limit=12'), api('/api/me/ratings'), api('/api/me/watchlist')]);
  const ratingsList = h('ul', { class: 'plain' }, ...ratings.ratings.map(r => h('li', {},
    h('a', { href: `#/movie/${r.movie.id}` }, r.movie.title + year(r.movie)), ' ',
    starRating({ id: `r-${r.movie.id}`, label: `Your rating of ${r.movie.title}`, value: r.rating, onChange: async (v) => {
      if (v === null) await api(`/api/me/ratings/${r.movie.id}`, { method: 'DELETE' });
      else await api(`/api/me/ratings/${r.movie.id}`, { method: 'PUT', body: JSON.stringify({ rating: v }) });
      forYouPage();
    } }))));
  setPage('For you', h('h1', {}, 'For you'),
    h('p', { class: 'muted' }, recs.ratings ? `Based on your ${recs.ratings} ratings and your genres.` : 'Rate a few movies to make this personal; for now, the best of your genres.'),
    h('div', { class: 'row', id: 'recommendations' }, ...recs.recommendations.map(r => movieCard(r.movie, h('div', { class: 'reason' }, r.reason)))),
    h('h2', {}, 'Your ratings'), ratings.ratings.length ? ratingsList : h('p', { class: 'muted' }, 'No ratings yet.'),
    h('h2', {}, 'Your watchlist'), wl.movies.length ? h('div', { class: 'row' }, ...wl.movies.map(m => movieCard(m))) : h('p', { class: 'muted' }, 'Nothing on your watchlist yet.'));
}
