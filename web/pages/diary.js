// Your films: everything you rated, newest first (or by stars or title), with the date, your
// stars to change, and "Remove"; filters by genre and decade, all in the address; the list as
// a CSV file; and the import of a Letterboxd or IMDb export.
import { api } from '../api.js';
import { DECADES, h, pageShower, poster, select, splitTitle, errorBox } from '../dom.js';
import { starRating } from '../stars.js';
import { currentUser, logout, rate } from '../store.js';
import { importBox } from '../import.js';

const SORTS = [['date', 'Date rated'], ['rating', 'Your stars'], ['title', 'Title']];
const PAGE = 50;

function dateWords(unix) {
  return new Date(unix * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export async function diaryPage() {
  const show = pageShower();
  if (!currentUser()) { location.hash = '#/login'; return; }
  const p = new URLSearchParams(location.hash.split('?')[1] || '');
  const sort = SORTS.some(([k]) => k === p.get('sort')) ? p.get('sort') : 'date';
  const { genres } = await api('/api/genres');
  const query = new URLSearchParams({ sort });
  if (p.get('genre')) query.set('genre', p.get('genre'));
  if (p.get('decade')) query.set('decade', p.get('decade'));

  const form = h('form', { class: 'filters', id: 'diary-filters', 'aria-label': 'Sort and filter' },
    select('sort', 'Sort by', SORTS, sort),
    select('genre', 'Genre', genres.map(g => [g.name, g.name]), p.get('genre') || '', 'Any genre'),
    select('decade', 'Decade', DECADES, p.get('decade') || '', 'Any decade'));
  form.addEventListener('change', () => {
    const next = new URLSearchParams();
    for (const el of form.elements) if (el.value && !(el.name === 'sort' && el.value === 'date')) next.set(el.name, el.value);
    location.hash = `#/diary${next.toString() ? '?' + next : ''}`;
  });
  const list = h('ul', { class: 'diary plain', id: 'diary' });
  const count = h('p', { class: 'muted', id: 'diary-count', role: 'status' });
  const more = h('button', { class: 'secondary', type: 'button', id: 'diary-more', hidden: true }, 'Show more');
  const exportLink = h('a', { class: 'button secondary', id: 'diary-export', href: `/api/me/diary.csv?${query}`, download: 'cinesense-diary.csv' }, 'Export as CSV');
  let offset = 0, total = 0;
  const countWords = () => total ? `${total} film${total === 1 ? '' : 's'}` : (p.get('genre') || p.get('decade') ? 'No films you rated match. Try another genre or decade.' : 'No films here yet: rate films you have seen, or import your ratings below.');
  // A rating taken back leaves the list.
  const removed = (li) => { li.remove(); total -= 1; count.textContent = countWords(); };

  function entry(e) {
    const m = e.movie, title = splitTitle(m.title).main;
    const note = h('span', { class: 'muted', role: 'status' });
    const li = h('li', { class: 'diary-entry', 'data-id': m.id },
      h('a', { href: `#/movie/${m.id}`, class: 'thumb-link', tabindex: '-1', 'aria-hidden': 'true' }, poster(m, '')),
      h('div', { class: 'what' },
        h('a', { href: `#/movie/${m.id}`, class: 'title' }, title), m.year ? h('span', { class: 'muted' }, ` (${m.year})`) : null,
        h('div', { class: 'muted when' }, `Rated ${dateWords(e.rated_at)}`)),
      starRating({ id: `diary-${m.id}`, label: `Your rating of ${title}`, value: e.rating, onChange: async (v) => {
        try {
          if (v === null) { await rate(m.id, null); removed(li); return; }
          await rate(m.id, v); note.textContent = 'Saved.';
        } catch { note.textContent = "Couldn't save. Try again."; }
      } }),
      h('button', { type: 'button', class: 'act', 'data-act': 'remove', 'aria-label': `Remove your rating of ${title}`, onclick: async () => {
        try { await rate(m.id, null); removed(li); }
        catch { note.textContent = "Couldn't remove it. Try again."; }
      } }, 'Remove'),
      note);
    return li;
  }

  async function load() {
    more.disabled = true;
    try {
      query.set('offset', String(offset)); query.set('limit', String(PAGE));
      const body = await api(`/api/me/diary?${query}`);
      list.append(...body.entries.map(entry));
      total = body.total;
      count.textContent = countWords();
      offset = body.next_offset ?? offset;
      more.hidden = body.next_offset === null;
    } catch (e) { list.replaceChildren(errorBox(e, "Couldn't load your films right now.")); }
    finally { more.disabled = false; }
  }
  more.addEventListener('click', load);
  show('Your films', h('h1', {}, 'Your films'),
    h('p', { class: 'muted' }, 'Everything you rated, with the day you rated it.'),
    h('div', { class: 'toolbar' }, form, exportLink), count, list, h('p', {}, more),
    importBox({ onDone: () => { list.replaceChildren(); offset = 0; return load(); } }),
    h('p', { class: 'account' }, h('button', { class: 'secondary', type: 'button', id: 'diary-logout', onclick: async () => { await logout(); location.hash = '#/'; } }, 'Log out')));
  await load();
}
