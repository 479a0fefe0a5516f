// Search-as-you-type in the header: suggestions with thumbnails, exact and prefix matches
// first and close spellings after them, marked; arrows and Enter pick, Enter alone opens the
// full results page, Escape closes (what was typed stays), "/" anywhere jumps here (the hint
// shows only where there is a keyboard). A film the member rated shows their stars.
import { api } from './api.js';
import { h, splitTitle } from './dom.js';
import { starsText } from './cards.js';
import { currentUser, myRating, onWatchlist } from './store.js';

const input = document.getElementById('q');
const list = document.getElementById('suggestions');
let results = [], active = -1, controller = null, timer = null;

function fold(s) { return s.toLowerCase().normalize('NFD').replace(/\p{M}/gu, ''); }

function highlight(title, query) {
  const words = fold(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const frag = document.createDocumentFragment();
  for (const part of title.split(/(\s+)/)) {
    const folded = fold(part);
    const w = words.find(w => folded.startsWith(w));
    if (w && w.length && folded.length === part.length) {
      frag.append(h('mark', {}, part.slice(0, w.length)), part.slice(w.length));
    } else frag.append(part);
  }
  return frag;
}

function closeList() {
  list.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-activedescendant'); active = -1;
}

// "★★★★ yours" or "on your watchlist": the member's mark in a suggestion.
function mark(id) {
  if (!currentUser()) return null;
  const stars = myRating(id);
  if (stars !== null) return h('span', { class: 'mark', 'aria-label': `you rated it ${stars} stars` }, `${starsText(stars)} yours`);
  if (onWatchlist(id)) return h('span', { class: 'mark' }, 'on your watchlist');
  return null;
}

function option(r, i, query, thumbs) {
  const { main, aka } = splitTitle(r.title);
  return h('li', { id: `opt-${i}`, role: 'option', class: r.fuzzy ? 'fuzzy' : null, 'aria-selected': i === active ? 'true' : 'false',
    onmousedown: (e) => { e.preventDefault(); choose(i); } },
    !thumbs ? null : r.poster_url ? h('img', { class: 'thumb', src: r.poster_url, alt: '' }) : h('span', { class: 'thumb', 'aria-hidden': 'true' }),
    h('span', { class: 'what' },
      h('span', {}, highlight(main, query)),
      h('span', { class: 'meta' }, [r.year, r.genres.slice(0, 2).join(', '), aka.length ? `also “${aka[0]}”` : null].filter(Boolean).join(' · ')),
      mark(r.id)));
}

function renderList(query) {
  const items = [];
  const thumbs = results.some(r => r.poster_url);
  results.forEach((r, i) => {
    if (r.fuzzy && (i === 0 || !results[i - 1].fuzzy)) {
      items.push(h('li', { role: 'presentation', class: 'group' }, i === 0 ? 'No exact matches. Close spellings:' : 'Close spellings'));
    }
    items.push(option(r, i, query, thumbs));
  });
  if (!results.length) items.push(h('li', { role: 'option', 'aria-disabled': 'true', class: 'muted' }, 'No matches'));
  items.push(h('li', { role: 'presentation', class: 'all' }, 'Press Enter to see all results'));
  list.replaceChildren(...items);
  list.hidden = !query.trim();
  input.setAttribute('aria-expanded', String(!list.hidden));
  if (active >= 0) input.setAttribute('aria-activedescendant', `opt-${active}`); else input.removeAttribute('aria-activedescendant');
}

function choose(i) {
  const r = results[i];
  if (!r) return;
  closeList(); input.value = ''; input.blur();
  location.hash = `#/movie/${r.id}`;
}

function showAll() {
  const q = input.value.trim();
  if (!q) return;
  closeList(); input.blur();
  location.hash = `#/search?q=${encodeURIComponent(q)}`;
}

async function suggest() {
  const query = input.value;
  if (controller) controller.abort();
  if (!query.trim()) { results = []; closeList(); return; }
  controller = new AbortController();
  try {
    const body = await api(`/api/search?q=${encodeURIComponent(query)}&limit=8`, { signal: controller.signal });
    if (query !== input.value) return; // a newer keystroke is on its way
    results = body.results; active = -1; renderList(query);
  } catch (e) {
    if (e.name === 'AbortError') return;
    results = []; list.replaceChildren(h('li', { class: 'muted', role: 'option', 'aria-disabled': 'true' }, "Couldn't search right now.")); list.hidden = false;
  }
}

export function startSearch() {
  if (matchMedia('(hover: hover) and (pointer: fine)').matches) input.placeholder = 'Search movies  ( / )';
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(suggest, 90); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && results.length) { active = (active + 1) % results.length; renderList(input.value); e.preventDefault(); }
    else if (e.key === 'ArrowUp' && results.length) { active = (active - 1 + results.length) % results.length; renderList(input.value); e.preventDefault(); }
    else if (e.key === 'Enter') { if (active >= 0) choose(active); else showAll(); e.preventDefault(); }
    // Escape closes the list; a search box would also clear itself, which loses the typing.
    else if (e.key === 'Escape') { e.preventDefault(); closeList(); }
  });
  input.addEventListener('blur', () => setTimeout(closeList, 100));
  // "/" jumps to search from anywhere but a text field.
  document.addEventListener('keydown', (e) => {
    const typing = e.target.closest('input, textarea, select, [contenteditable]');
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); input.focus(); input.select(); }
  });
}
