// A film in a list: poster, title, a line under it, and for members the one-tap actions
// fans expect on every card: rate ("Seen it"), "+ Watchlist" and "Not interested".
import { h, poster, splitTitle } from './dom.js';
import { starRating } from './stars.js';
import { currentUser, isHidden, onWatchlist, rate, setHidden, setWatchlisted } from './store.js';

// onChange(what) after an action ('rated', 'watchlist', 'hidden', 'unhidden') lets the page
// refresh its list in place.
export function movieCard(movie, extra, { onChange } = {}) {
  const { main: title } = splitTitle(movie.title);
  const card = h('div', { class: 'card', 'data-id': movie.id }, cardLink(movie, extra));
  if (isHidden(movie.id)) card.hidden = true;
  if (currentUser()) card.append(cardActions(movie, title, card, onChange || (() => {})));
  return card;
}

// The card's link to the movie: poster, title, year and genres, and a line of the page's own.
export function cardLink(movie, extra) {
  return h('a', { class: 'card-link', href: `#/movie/${movie.id}` },
    poster(movie, ''),
    h('div', { class: 'body' },
      h('div', { class: 'title' }, splitTitle(movie.title).main),
      h('div', { class: 'sub' }, [movie.year, (movie.genres || []).slice(0, 2).join(' · ')].filter(Boolean).join(' · ')),
      movie.audience ? h('div', { class: 'audience' }, audienceWords(movie.audience)) : null,
      extra || null));
}

// "82% of 25 reviews positive": what reviewers felt, in a line.
export function audienceWords({ positive_percent, reviews }) {
  return `${positive_percent}% of ${reviews} reviews positive`;
}

// "Seen it": a button that opens the stars under it; onChange(stars or null) once they settle.
export function seenIt(movie, title, onChange) {
  const stars = h('div', { class: 'rate', hidden: true },
    starRating({ id: `rate-${movie.id}-${Math.random().toString(36).slice(2, 7)}`, label: `Your rating of ${title}`, onChange }));
  const button = h('button', { type: 'button', class: 'act', 'data-act': 'seen', 'aria-expanded': 'false', 'aria-label': `Seen it: rate ${title}` }, 'Seen it');
  button.addEventListener('click', () => {
    stars.hidden = !stars.hidden;
    button.setAttribute('aria-expanded', String(!stars.hidden));
    if (!stars.hidden) stars.querySelector('[role=slider]').focus();
  });
  return { button, stars };
}

function cardActions(movie, title, card, onChange) {
  const note = h('div', { class: 'note', role: 'status' });
  const listed = () => onWatchlist(movie.id);
  const wl = h('button', { type: 'button', class: 'act', 'data-act': 'watchlist', 'aria-label': `Watchlist: ${title}` });
  const showListed = () => { wl.textContent = listed() ? '✓ Watchlist' : '+ Watchlist'; wl.setAttribute('aria-pressed', String(listed())); };
  showListed();
  wl.addEventListener('click', async () => {
    try {
      await setWatchlisted(movie.id, !listed());
      showListed();
      note.textContent = listed() ? 'Added to your watchlist.' : 'Taken off your watchlist.';
      onChange('watchlist');
    } catch { note.textContent = "Couldn't change your watchlist."; }
  });
  const { button: seen, stars } = seenIt(movie, title, async (v) => {
    try {
      const offWatchlist = await rate(movie.id, v);
      note.textContent = v === null ? 'Rating removed.' : `Rated ${v} stars.${offWatchlist ? ' Taken off your watchlist.' : ''}`;
      showListed();
      onChange('rated');
    } catch { note.textContent = "Couldn't save your rating."; }
  });
  const hide = h('button', { type: 'button', class: 'act', 'data-act': 'not-interested', 'aria-label': `Not interested in ${title}` }, 'Not interested');
  hide.addEventListener('click', async () => {
    try {
      await setHidden(movie.id, true);
      const undo = h('button', { type: 'button', class: 'act', 'data-act': 'undo' }, 'Undo');
      const gone = h('div', { class: 'card gone', role: 'status' }, `“${title}” is hidden from your lists. `, undo);
      undo.addEventListener('click', async () => {
        try { await setHidden(movie.id, false); gone.replaceWith(card); card.hidden = false; onChange('unhidden'); } catch { /* stays hidden */ }
      });
      card.replaceWith(gone);
      onChange('hidden');
    } catch { note.textContent = "Couldn't hide it."; }
  });
  return h('div', { class: 'actions' }, h('div', { class: 'buttons' }, seen, wl, hide), stars, note);
}
