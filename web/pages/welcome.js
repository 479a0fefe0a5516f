// After signing up: bring your ratings from Letterboxd or IMDb, or tap the stars on films you
// have seen (each a compact line: a small poster, the title once, the stars), with "3 of 10"
// and the way on always in view, and more films on demand.
import { api } from '../api.js';
import { h, pageShower, poster, splitTitle } from '../dom.js';
import { starRating } from '../stars.js';
import { currentUser, isDone, rate, ratedCount } from '../store.js';
import { importBox } from '../import.js';

const GOAL = 10;
const BATCH = 20;

export async function welcomePage() {
  const show = pageShower();
  const me = currentUser();
  if (!me) { location.hash = '#/login'; return; }
  const rated = new Set();
  const shown = new Set();
  const count = h('span', { id: 'rated-count', role: 'status' }, `${ratedCount()} of ${GOAL} rated`);
  const grid = h('div', { class: 'row', id: 'to-rate' });
  const more = h('button', { class: 'secondary', type: 'button', id: 'more-to-rate' }, 'More films');

  function card(m) {
    const title = splitTitle(m.title).main;
    const saved = h('div', { class: 'sub saved', 'aria-live': 'polite' });
    return h('div', { class: 'card to-rate', 'data-id': m.id },
      poster(m, ''),
      h('div', { class: 'body' },
        h('a', { class: 'title', href: `#/movie/${m.id}` }, title),
        h('div', { class: 'sub' }, [m.year, m.genres.slice(0, 2).join(' · ')].filter(Boolean).join(' · ')),
        starRating({ id: `onb-${m.id}`, label: `Your rating of ${title}`, onChange: async (v) => {
          try {
            await rate(m.id, v);
            if (v === null) { rated.delete(m.id); saved.textContent = ''; } else { rated.add(m.id); saved.textContent = 'Saved'; }
            count.textContent = `${ratedCount()} of ${GOAL} rated`;
          } catch { saved.textContent = "Couldn't save. Try again."; }
        } }),
        saved));
  }

  async function loadMore() {
    more.disabled = true;
    try {
      const body = await api(`/api/me/onboarding?limit=${Math.min(100, shown.size + BATCH)}`);
      const fresh = body.movies.filter(m => !shown.has(m.id));
      for (const m of fresh) { shown.add(m.id); grid.append(card(m)); }
      more.hidden = fresh.length === 0 || shown.size >= 100;
    } finally { more.disabled = false; }
  }
  more.addEventListener('click', loadMore);

  show('Welcome', h('h1', {}, `Welcome, ${me.username}`),
    importBox({ onDone: async () => {
      count.textContent = `${ratedCount()} of ${GOAL} rated`;
      // Films the import rated are not asked about again.
      for (const c of [...grid.querySelectorAll('.card[data-id]')]) if (isDone(Number(c.dataset.id)) && !rated.has(Number(c.dataset.id))) c.remove();
      await loadMore();
    } }),
    h('h2', {}, 'Or rate a few here'),
    h('p', {}, 'Tap the stars on films you have seen (the left half of a star is half a star); skip the rest.'),
    grid,
    h('div', { class: 'sticky-bar' }, count, more,
      h('a', { class: 'primary button', href: '#/for-you', id: 'see-for-you' }, 'See my recommendations →')));
  await loadMore();
}
