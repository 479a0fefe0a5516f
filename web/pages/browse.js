// Browse: filters and a sort, all in the address (so a page can be shared and reloaded), and
// more films on demand.
import { api } from '../api.js';
import { DECADES, h, pageShower, errorBox, select } from '../dom.js';
import { movieCard, ratedLine } from '../cards.js';
import { currentUser } from '../store.js';

// Options as [value, words] pairs, listed in this order.
const RUNTIMES = { short: ['Under 90 min', 0, 89], medium: ['90 to 120 min', 90, 120], long: ['Over 2 hours', 121, 1000] };
const RATINGS = [['4', '4 stars and up'], ['3.5', '3.5 stars and up'], ['3', '3 stars and up']];
const VOTES = [['10', 'Rated by 10+'], ['50', 'Rated by 50+'], ['100', 'Rated by 100+']];
const REVIEWERS = [['80', '80%+ positive reviews'], ['60', '60%+ positive reviews']];
const known = (pairs, v) => pairs.some(([k]) => k === v);
// Words for the orders the API offers (/api/options lists them; one it adds shows as named).
const SORT_WORDS = { popularity: 'Most popular', rating: 'Highest rated', audience: 'Loved by reviewers', year: 'Newest', predicted: 'Best match for me' };
const PAGE = 24;

export async function browsePage() {
  const show = pageShower();
  const me = currentUser();
  const p = new URLSearchParams(location.hash.split('?')[1] || '');
  const [{ genres }, options] = await Promise.all([api('/api/genres'), api('/api/options')]);
  // 'predicted' ranks for the member: only offered to one.
  const sorts = options.sorts.filter(k => me || k !== 'predicted').map(k => [k, SORT_WORDS[k] || k]);
  const sort = known(sorts, p.get('sort')) ? p.get('sort') : 'popularity';
  const query = new URLSearchParams({ sort, limit: String(PAGE) });
  if (p.get('genre')) query.set('genre', p.get('genre'));
  if (p.get('decade')) query.set('decade', p.get('decade'));
  if (RUNTIMES[p.get('runtime')]) { query.set('min_runtime', RUNTIMES[p.get('runtime')][1]); query.set('max_runtime', RUNTIMES[p.get('runtime')][2]); }
  if (known(RATINGS, p.get('rating'))) query.set('min_rating', p.get('rating'));
  if (known(VOTES, p.get('votes'))) query.set('min_votes', p.get('votes'));
  if (known(REVIEWERS, p.get('reviewers'))) query.set('min_audience', p.get('reviewers'));
  if (me && p.get('hide_rated') === '1') query.set('hide_rated', 'true');

  const form = h('form', { class: 'filters', id: 'browse-filters', role: 'search', 'aria-label': 'Filters' },
    select('genre', 'Genre', genres.map(g => [g.name, g.name]), p.get('genre') || '', 'Any genre'),
    select('decade', 'Decade', DECADES, p.get('decade') || '', 'Any decade'),
    select('runtime', 'Length', Object.entries(RUNTIMES).map(([k, v]) => [k, v[0]]), p.get('runtime') || '', 'Any length'),
    select('rating', 'Average rating', RATINGS, p.get('rating') || '', 'Any rating'),
    select('votes', 'Number of ratings', VOTES, p.get('votes') || '', 'Any number'),
    select('reviewers', 'Reviewers', REVIEWERS, p.get('reviewers') || '', 'Any reviews'),
    select('sort', 'Sort by', sorts, sort),
    me ? h('label', { for: 'hide_rated', class: 'check' }, h('input', { type: 'checkbox', id: 'hide_rated', name: 'hide_rated', checked: p.get('hide_rated') === '1' }), "Hide what I've rated") : null);
  form.addEventListener('change', () => {
    const next = new URLSearchParams();
    for (const el of form.elements) {
      if (el.type === 'checkbox') { if (el.checked) next.set(el.name, '1'); }
      else if (el.value && !(el.name === 'sort' && el.value === 'popularity')) next.set(el.name, el.value);
    }
    location.hash = `#/browse${next.toString() ? '?' + next : ''}`;
  });
  const row = h('div', { class: 'row', id: 'browse-results' });
  const count = h('p', { class: 'muted', id: 'browse-count', role: 'status' });
  const more = h('button', { class: 'secondary', type: 'button', id: 'browse-more', hidden: true }, 'Show more');
  let offset = 0;
  async function load() {
    more.disabled = true;
    try {
      query.set('offset', String(offset));
      const body = await api(`/api/browse?${query}`);
      row.append(...body.movies.map(m => movieCard(m, ratedLine(m))));
      count.textContent = body.total ? `${body.total} films` : 'No films match. Try fewer filters.';
      offset = body.next_offset ?? offset;
      more.hidden = body.next_offset === null;
    } catch (e) { row.replaceChildren(errorBox(e, "Couldn't load films right now.")); }
    finally { more.disabled = false; }
  }
  more.addEventListener('click', load);
  // On a phone the filters wait behind one "Filters" button; how many are set shows on it.
  const set = [...p.keys()].filter(k => k !== 'sort').length;
  const box = h('details', { class: 'filters-box', id: 'filters-box', open: !matchMedia('(max-width: 640px)').matches },
    h('summary', {}, set ? `Filters (${set})` : 'Filters'), form);
  const why = sort === 'rating'
    ? h('p', { class: 'muted', id: 'sort-note' }, 'Highest rated weighs each average by how many people rated the film, so a film rated by a few ranks below an equal average rated by many.')
    : null;
  show('Browse', h('h1', {}, 'Browse'), box, count, why, row, h('p', {}, more));
  await load();
}
