// Home. For a member: rows from what the recommender knows about them (top picks, "Because
// you loved …", their watchlist, new to them in a genre they like). For everyone: popular
// films by genre (the chips scroll sideways on a phone) and hidden gems, leaving out what a
// member rated or turned down. Every row fills whole lines.
import { api } from '../api.js';
import { h, pageShower, errorBox, splitTitle } from '../dom.js';
import { movieCard, ratedLine, wholeLines } from '../cards.js';
import { currentUser } from '../store.js';

function rowTitle(r) {
  switch (r.kind) {
    case 'top_picks': return 'Top picks for you';
    case 'because_you_loved': return `Because you loved ${splitTitle(r.seed.title).main}`;
    case 'watchlist': return 'From your watchlist';
    case 'new_in_genre': return `New to you in ${r.genre}`;
    default: return 'For you';
  }
}

function cardsRow(id, cards) {
  const row = h('div', { class: 'row slide', id }, ...cards);
  requestAnimationFrame(() => wholeLines(row));
  return row;
}

async function memberRows() {
  try {
    const { rows } = await api('/api/me/home');
    return rows.map((r, i) => h('section', { class: 'home-row', 'data-kind': r.kind },
      h('h2', {}, rowTitle(r), r.kind === 'top_picks' ? h('a', { class: 'more', href: '#/for-you' }, 'See all') : null,
        r.kind === 'watchlist' ? h('a', { class: 'more', href: '#/watchlist' }, 'See all') : null),
      cardsRow(`home-${r.kind}-${i}`, r.movies.map(f => movieCard(f.movie, f.reason ? h('div', { class: 'reason' }, f.reason) : null)))));
  } catch (e) { return [errorBox(e, "Couldn't load your rows right now.")]; }
}

export async function homePage() {
  const show = pageShower();
  const me = currentUser();
  const personal = me ? '&hide_rated=true' : '';
  const genresBody = await api('/api/genres');
  const genres = genresBody.genres.map(g => g.name);
  let current = sessionStorage.getItem('genre') || 'Sci-Fi';
  const popularRow = h('div', { class: 'row slide', id: 'popular', 'aria-live': 'polite' });
  const popularTitle = h('h2', { id: 'popular-title' });
  const chips = h('div', { class: 'chips scroll', role: 'group', 'aria-label': 'Genre' });
  async function loadGenre(g) {
    current = g; sessionStorage.setItem('genre', g);
    for (const c of chips.children) c.setAttribute('aria-pressed', String(c.dataset.genre === g));
    popularTitle.textContent = `Popular in ${g}`;
    try {
      const body = await api(`/api/popular?genre=${encodeURIComponent(g)}&limit=12${personal}`);
      popularRow.replaceChildren(...body.movies.map(m => movieCard(m, ratedLine(m))));
      wholeLines(popularRow);
    } catch (e) { popularRow.replaceChildren(errorBox(e)); }
  }
  for (const g of genres) chips.append(h('button', { class: 'chip', type: 'button', 'data-genre': g, 'aria-pressed': 'false', onclick: () => loadGenre(g) }, g));
  const gems = h('div', { class: 'row slide', id: 'gems' });
  const gemsSection = h('section', {}, h('h2', {}, 'Hidden gems'), h('p', { class: 'muted' }, 'Loved by the few who found them.'), gems);
  const intro = me
    ? [h('h1', {}, `Welcome back, ${me.username}`), ...(await memberRows()), h('h2', { class: 'explore' }, 'Explore by genre')]
    : [h('h1', {}, 'Find your next movie'), h('p', { class: 'muted' }, 'Type a title above, browse by genre, or open a movie to see what is like it.')];
  show('', ...intro, chips, popularTitle, popularRow, gemsSection);
  await loadGenre(genres.includes(current) ? current : genres[0]);
  try {
    const body = await api(`/api/hidden-gems?limit=12${personal}`);
    if (body.movies.length) { gems.replaceChildren(...body.movies.map(m => movieCard(m, ratedLine(m)))); wholeLines(gems); }
    else gemsSection.remove();
  } catch { gemsSection.remove(); }
}
