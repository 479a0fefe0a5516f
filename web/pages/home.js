// Home: popular films by genre (the chips scroll sideways on a phone) and hidden gems.
import { api } from '../api.js';
import { h, pageShower, errorBox } from '../dom.js';
import { movieCard } from '../cards.js';

function ratedLine(m) { return h('div', { class: 'sub' }, `★ ${m.rating_mean.toFixed(1)} · ${m.rating_count} ratings`); }

export async function homePage() {
  const show = pageShower();
  const genresBody = await api('/api/genres');
  const genres = genresBody.genres.map(g => g.name);
  let current = sessionStorage.getItem('genre') || 'Sci-Fi';
  const popularRow = h('div', { class: 'row slide', 'aria-live': 'polite' });
  const popularTitle = h('h2', { id: 'popular-title' });
  const chips = h('div', { class: 'chips scroll', role: 'group', 'aria-label': 'Genre' });
  async function loadGenre(g) {
    current = g; sessionStorage.setItem('genre', g);
    for (const c of chips.children) c.setAttribute('aria-pressed', String(c.dataset.genre === g));
    popularTitle.textContent = `Popular in ${g}`;
    try {
      const body = await api(`/api/popular?genre=${encodeURIComponent(g)}&limit=12`);
      popularRow.replaceChildren(...body.movies.map(m => movieCard(m, ratedLine(m))));
    } catch (e) { popularRow.replaceChildren(errorBox(e)); }
  }
  for (const g of genres) chips.append(h('button', { class: 'chip', type: 'button', 'data-genre': g, 'aria-pressed': 'false', onclick: () => loadGenre(g) }, g));
  const gems = h('div', { class: 'row slide', id: 'gems' });
  const gemsSection = h('section', {}, h('h2', {}, 'Hidden gems'), h('p', { class: 'muted' }, 'Loved by the few who found them.'), gems);
  show('', h('h1', {}, 'Find your next movie'),
    h('p', { class: 'muted' }, 'Type a title above, browse by genre, or open a movie to see what is like it.'),
    chips, popularTitle, popularRow, gemsSection);
  await loadGenre(genres.includes(current) ? current : genres[0]);
  try {
    // Well loved and little seen: the "known" band (between the niche and the popular films),
    // rated by at least 8 people.
    const body = await api('/api/popular?band=known&min_votes=8&limit=12');
    if (body.movies.length) gems.replaceChildren(...body.movies.map(m => movieCard(m, ratedLine(m))));
    else gemsSection.remove();
  } catch { gemsSection.remove(); }
}
