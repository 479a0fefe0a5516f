// The watchlist: what you mean to see, newest first or best match first, each with "Seen it"
// (rate it, which takes it off) and "Remove".
import { api } from '../api.js';
import { h, pageShower, splitTitle, errorBox } from '../dom.js';
import { cardLink, replaceWithUndo, seenIt } from '../cards.js';
import { currentUser, rate, setWatchlisted } from '../store.js';

const SORTS = { added: 'Recently added', match: 'Best match for you' };

export async function watchlistPage() {
  const show = pageShower();
  if (!currentUser()) { location.hash = '#/login'; return; }
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const sort = SORTS[params.get('sort')] ? params.get('sort') : 'added';
  const body = await api('/api/me/watchlist');
  const entries = body.entries.slice();
  if (sort === 'match') entries.sort((a, b) => (b.predicted_rating ?? 0) - (a.predicted_rating ?? 0));
  const status = h('p', { role: 'status', class: 'muted', id: 'watchlist-status' });
  const row = h('div', { class: 'row', id: 'watchlist' });
  const empty = () => { if (!row.querySelector('.card')) row.replaceWith(h('p', { class: 'muted' }, 'Nothing on your watchlist. Add films with “+ Watchlist” on any card.')); };
  // An action changes its card in place: the list under the reader stays put until the next visit.
  const note = (card, text) => { card.classList.add('done'); card.querySelector('.note').textContent = text; };
  for (const e of entries) {
    const m = e.movie, title = splitTitle(m.title).main;
    const card = h('div', { class: 'card', 'data-id': m.id });
    const remove = h('button', { type: 'button', class: 'act', 'data-act': 'remove', 'aria-label': `Remove ${title} from your watchlist` }, 'Remove');
    remove.addEventListener('click', async () => {
      try {
        await setWatchlisted(m.id, false);
        replaceWithUndo(card, {
          words: `“${title}” is off your watchlist.`, undoLabel: `Undo: put ${title} back on your watchlist`,
          undo: () => setWatchlisted(m.id, true), focusAfter: remove,
        });
        status.textContent = `“${title}” taken off your watchlist.`;
      } catch (x) { status.replaceChildren(errorBox(x)); }
    });
    const { button: seen, stars } = seenIt(m, title, async (v) => {
      if (v === null) return;
      try { await rate(m.id, v); note(card, `Rated ${v} stars: off your watchlist.`); status.textContent = `Rated “${title}” ${v} stars and took it off your watchlist.`; }
      catch (x) { status.replaceChildren(errorBox(x)); }
    });
    card.append(
      cardLink(m, e.predicted_rating ? h('div', { class: 'reason' }, `You'd likely give it ${e.predicted_rating.toFixed(1)} stars`) : null),
      h('div', { class: 'actions' }, h('div', { class: 'buttons' }, seen, remove), stars, h('div', { class: 'note', role: 'status' })));
    row.append(card);
  }
  const sorter = h('select', { id: 'watchlist-sort', onchange: () => { location.hash = `#/watchlist?sort=${sorter.value}`; } },
    ...Object.entries(SORTS).map(([k, label]) => h('option', { value: k, selected: k === sort }, label)));
  show('Watchlist', h('h1', {}, 'Your watchlist'),
    h('div', { class: 'inline form' }, h('label', { for: 'watchlist-sort' }, 'Sort by', sorter)), status, row);
  empty();
}
