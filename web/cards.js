// A film in a list: poster, title (once), a line under it, the member's own mark (their
// stars, or "on your watchlist"), and for members the one-tap actions fans expect on every
// card: rate ("Seen it"), "+ Watchlist" and "Not interested". An action changes its card in
// place: the list under the reader never moves.
import { h, poster, splitTitle } from './dom.js';
import { starRating } from './stars.js';
import { currentUser, isHidden, myRating, onMarksChange, onWatchlist, rate, setHidden, setWatchlisted } from './store.js';

// How long "Undo" stays after "Not interested".
const UNDO_MS = 5000;

// "★★★★½": stars as text, for a mark.
export function starsText(v) { return '★'.repeat(Math.floor(v)) + (v % 1 ? '½' : ''); }

// The member's mark on a film: their stars, else "On your watchlist", else nothing.
export function markLine(id) {
  const el = h('div', { class: 'mark' });
  const draw = () => {
    const stars = currentUser() ? myRating(id) : null;
    if (stars !== null) {
      el.replaceChildren(h('span', { class: 'mark-stars', 'aria-hidden': 'true' }, starsText(stars)),
        h('span', { class: 'mark-words' }, stars === 1 ? ' You rated it 1 star' : ` You rated it ${stars} stars`));
      el.dataset.mark = 'rated';
    } else if (currentUser() && onWatchlist(id)) {
      el.replaceChildren('✓ On your watchlist'); el.dataset.mark = 'watchlist';
    } else { el.replaceChildren(); delete el.dataset.mark; }
    el.hidden = !el.dataset.mark;
  };
  draw();
  el.redraw = draw;
  return el;
}

// Marks changed anywhere (a card, the movie page) show on every card of that film.
onMarksChange((id) => {
  for (const m of document.querySelectorAll(`.card[data-id="${id}"] .mark`)) if (m.redraw) m.redraw();
  for (const b of document.querySelectorAll(`.card[data-id="${id}"] [data-act="watchlist"]`)) if (b.redraw) b.redraw();
});

export function movieCard(movie, extra) {
  const card = h('div', { class: 'card', 'data-id': movie.id }, cardLink(movie, extra));
  if (isHidden(movie.id)) card.hidden = true;
  if (currentUser()) card.append(cardActions(movie, splitTitle(movie.title).main, card));
  return card;
}

// The card's link to the movie: poster, title, year and genres, the member's mark, and a line
// of the page's own.
export function cardLink(movie, extra) {
  return h('a', { class: 'card-link', href: `#/movie/${movie.id}` },
    poster(movie, ''),
    h('div', { class: 'body' },
      h('div', { class: 'title' }, splitTitle(movie.title).main),
      h('div', { class: 'sub' }, [movie.year, (movie.genres || []).slice(0, 2).join(' · ')].filter(Boolean).join(' · ')),
      markLine(movie.id),
      movie.audience ? h('div', { class: audienceClass(movie.audience) }, audienceWords(movie.audience)) : null,
      extra || null));
}

// "★ 4.2 · 329 ratings": how the film is rated here, in a line under the card's title.
export function ratedLine(m) {
  return h('div', { class: 'sub' }, m.rating_count ? `★ ${m.rating_mean.toFixed(1)} · ${m.rating_count} rating${m.rating_count === 1 ? '' : 's'}` : 'Not rated yet');
}

// "82% of 25 reviews positive": what reviewers felt, in a line.
export function audienceWords({ positive_percent, reviews }) {
  return `${positive_percent}% of ${reviews} reviews positive`;
}

// The line's colour says the same: green when most reviewers liked it, red when most did not.
export function audienceClass({ positive_percent }) {
  const tone = positive_percent >= 60 ? 'liked' : positive_percent <= 40 ? 'disliked' : 'mixed';
  return `audience ${tone}`;
}

// "Seen it": a button that opens the stars under it; onChange(stars or null) once they settle.
export function seenIt(movie, title, onChange) {
  const stars = h('div', { class: 'rate', hidden: true },
    starRating({ id: `rate-${movie.id}-${Math.random().toString(36).slice(2, 7)}`, label: `Your rating of ${title}`, value: myRating(movie.id), onChange }));
  const button = h('button', { type: 'button', class: 'act', 'data-act': 'seen', 'aria-expanded': 'false', 'aria-label': `Seen it: rate ${title}` },
    myRating(movie.id) === null ? 'Seen it' : 'Your stars');
  button.addEventListener('click', () => {
    stars.hidden = !stars.hidden;
    button.setAttribute('aria-expanded', String(!stars.hidden));
    if (!stars.hidden) stars.querySelector('[role=slider]').focus();
  });
  return { button, stars };
}

function cardActions(movie, title, card) {
  const note = h('div', { class: 'note', role: 'status' });
  const listed = () => onWatchlist(movie.id);
  const wl = h('button', { type: 'button', class: 'act', 'data-act': 'watchlist', 'aria-label': `Watchlist: ${title}` });
  wl.redraw = () => { wl.textContent = listed() ? '✓ Watchlist' : '+ Watchlist'; wl.setAttribute('aria-pressed', String(listed())); };
  wl.redraw();
  wl.addEventListener('click', async () => {
    try {
      await setWatchlisted(movie.id, !listed());
      note.textContent = listed() ? 'Added to your watchlist.' : 'Taken off your watchlist.';
    } catch { note.textContent = "Couldn't change your watchlist."; }
  });
  const { button: seen, stars } = seenIt(movie, title, async (v) => {
    try {
      const offWatchlist = await rate(movie.id, v);
      note.textContent = v === null ? 'Rating removed.' : `Rated ${v} stars.${offWatchlist ? ' Taken off your watchlist.' : ''}`;
      seen.textContent = v === null ? 'Seen it' : 'Your stars';
    } catch { note.textContent = "Couldn't save your rating."; }
  });
  const hide = h('button', { type: 'button', class: 'act', 'data-act': 'not-interested', 'aria-label': `Not interested in ${title}`, title: 'Not interested' }, 'Not for me');
  hide.addEventListener('click', async () => {
    try {
      await setHidden(movie.id, true);
      replaceWithUndo(card, {
        words: `We won't suggest “${title}” again.`, undoLabel: `Undo: show ${title} again`,
        undo: () => setHidden(movie.id, false), focusAfter: hide,
      });
    } catch { note.textContent = "Couldn't hide it."; }
  });
  return h('div', { class: 'actions' }, h('div', { class: 'buttons' }, seen, wl, hide), stars, note);
}

// Puts a note in the card's place ("We won't suggest it again.") with "Undo" for UNDO_MS;
// undo() (a promise) brings the card back where it was. The list around it does not move.
export function replaceWithUndo(card, { words, undoLabel, undo, focusAfter }) {
  const button = h('button', { type: 'button', class: 'act', 'data-act': 'undo', 'aria-label': undoLabel }, 'Undo');
  const gone = h('div', { class: 'card gone', role: 'status', 'data-gone': card.dataset.id }, h('p', {}, words), button);
  const timer = setTimeout(() => button.remove(), UNDO_MS);
  button.addEventListener('click', async () => {
    try { await undo(); clearTimeout(timer); gone.replaceWith(card); card.hidden = false; focusAfter.focus(); }
    catch { /* stays as it is */ }
  });
  card.replaceWith(gone);
  button.focus();
}

// Keeps a row of cards to whole lines: on a wide screen the cards past the first line hide
// (a row of 12 in a 7-column grid shows 7); a phone's sliding row shows them all.
export function wholeLines(row, lines = 1) {
  // Once per row: a row refilled (another genre) keeps its one observer.
  if (!row.fitLines) {
    row.fitLines = () => {
      const cards = [...row.children].filter(c => !c.hidden || c.dataset.overflow);
      const sliding = getComputedStyle(row).gridAutoFlow.startsWith('column');
      const columns = sliding ? Infinity : getComputedStyle(row).gridTemplateColumns.split(' ').length;
      cards.forEach((c, i) => {
        const over = i >= columns * lines;
        if (over) { c.hidden = true; c.dataset.overflow = '1'; }
        else if (c.dataset.overflow) { c.hidden = false; delete c.dataset.overflow; }
      });
    };
    new ResizeObserver(row.fitLines).observe(row);
  }
  row.fitLines();
}
