// A movie: details, your rating and watchlist, more like this, and what reviewers felt.
import { api, ApiError } from '../api.js';
import { h, pageShower, errorBox, poster, splitTitle } from '../dom.js';
import { audienceClass, audienceWords, movieCard } from '../cards.js';
import { starRating } from '../stars.js';
import { currentUser, myRating, onWatchlist, rate, setWatchlisted } from '../store.js';
import { notFoundPage } from './not-found.js';

// Statuses under which TMDB data or a review source's answer is there to show.
const ANSWERED = ['ok', 'cached', 'stale'];
const SOURCE_NAMES = { imdb: 'IMDb', tmdb: 'TMDB', imdb_archive: 'IMDb, 2011 collection' };
// How often, and how many times, the panel asks again while a source is still being asked.
const PENDING_RETRY_MS = 3000, PENDING_RETRIES = 5;
// Reviews shown before "Show all".
const FIRST_REVIEWS = 8;

export async function moviePage(id) {
  const show = pageShower();
  let m;
  try { m = await api(`/api/movies/${encodeURIComponent(id)}`); }
  catch (e) {
    if (e instanceof ApiError && (e.code === 'not_found' || e.code === 'bad_parameter')) return notFoundPage('movie');
    throw e;
  }
  const { main: title, aka } = splitTitle(m.title);
  // The year is in the heading already.
  const facts = [
    m.runtime_minutes ? `${m.runtime_minutes} min` : null,
    ratingFact(m),
  ].filter(Boolean);
  const similar = h('div', { class: 'row slide', id: 'similar' }, h('p', { class: 'loading' }, 'Finding similar movies…'));
  const extras = h('div', { id: 'movie-extras' });
  const tmdbStatus = m.tmdb && m.tmdb.status;
  if (m.director) extras.append(h('p', {}, h('strong', {}, 'Director: '), m.director));
  if (m.cast && m.cast.length) extras.append(h('p', {}, h('strong', {}, 'Cast: '), m.cast.slice(0, 8).map(c => c.character ? `${c.name} (${c.character})` : c.name).join(', ')));
  if (m.trailer_key) extras.append(h('p', {}, h('a', { href: `https://www.youtube.com/watch?v=${encodeURIComponent(m.trailer_key)}`, rel: 'noopener', target: '_blank' }, 'Watch the trailer')));
  if (m.where_to_watch) extras.append(whereToWatch(m.where_to_watch));
  // Without a TMDB key the page simply has no posters or cast: nothing to apologise for.
  if (tmdbStatus && !ANSWERED.includes(tmdbStatus) && !['no_tmdb_id', 'not_configured'].includes(tmdbStatus)) extras.append(h('p', { class: 'notice', id: 'tmdb-notice' }, "Couldn't load the poster and cast right now; showing what we have."));
  // The head (title, facts, your rating) comes first: on a phone it fits beside a small poster.
  show(title,
    h('article', { class: 'movie' },
      poster(m),
      h('div', { class: 'head' },
        h('h1', {}, title, m.year ? h('span', { class: 'muted' }, ` (${m.year})`) : null),
        m.original_title || aka.length ? h('p', { class: 'muted aka' }, 'Also known as ', [m.original_title, ...aka].filter(Boolean).join(', ')) : null,
        h('div', { class: 'facts' }, ...facts.map(f => h('span', {}, f))),
        m.audience ? h('p', { class: audienceClass(m.audience), id: 'audience' }, audienceWords(m.audience)) : null,
        currentUser() ? personalControls(m) : null),
      h('div', { class: 'details' },
        h('div', { class: 'chips' }, ...m.genres.map(g => h('span', { class: 'chip' }, g))),
        m.tagline ? h('p', {}, h('em', {}, m.tagline)) : null,
        h('p', {}, m.overview || 'No summary yet.'),
        m.tags.length ? h('p', { class: 'muted' }, 'Tags: ', m.tags.slice(0, 12).join(', ')) : null,
        extras)),
    h('h2', {}, 'More like this'), similar,
    h('h2', {}, 'What reviewers felt'), sentimentPanel(m));
  try {
    const body = await api(`/api/movies/${m.id}/similar?limit=12`);
    similar.replaceChildren(...body.similar.map(s => movieCard(s.movie, h('div', { class: 'reason' }, s.reason))));
    if (!body.similar.length) similar.replaceChildren(h('p', { class: 'muted' }, 'Nothing similar found.'));
  } catch (e) { similar.replaceChildren(errorBox(e, "Couldn't find similar movies right now.")); }
}

// One scale a fan reads: the average of the ratings here in stars; TMDB's 1-10 average in
// stars where nobody here rated it.
function ratingFact(m) {
  if (m.rating_count) return `★ ${m.rating_mean.toFixed(1)} average · ${m.rating_count.toLocaleString('en')} rating${m.rating_count === 1 ? '' : 's'}`;
  if (m.tmdb_vote_average && m.tmdb_vote_count) return `★ ${(m.tmdb_vote_average / 2).toFixed(1)} average · ${m.tmdb_vote_count.toLocaleString('en')} votes`;
  return 'Not rated yet';
}

// Where the film streams, is free, rents and sells in the server's region, with the credit
// TMDB asks for (its offers come from JustWatch).
function whereToWatch(w) {
  let place = w.region;
  try { place = new Intl.DisplayNames(['en'], { type: 'region' }).of(w.region) || w.region; } catch { /* the code will do */ }
  const kinds = [['Stream', w.stream], ['Free', w.free], ['Rent', w.rent], ['Buy', w.buy]].filter(([, list]) => list.length);
  return h('section', { class: 'watch', id: 'where-to-watch', 'aria-labelledby': 'where-to-watch-title' },
    h('h2', { id: 'where-to-watch-title' }, `Where to watch in ${place}`),
    ...kinds.map(([kind, list]) => h('div', { class: 'offers' },
      h('span', { class: 'offer-kind' }, kind),
      h('ul', {}, ...list.map(p => h('li', {},
        p.logo_url ? h('img', { src: p.logo_url, alt: '', width: 28, height: 28, loading: 'lazy' }) : null,
        p.name))))),
    h('p', { class: 'muted credit' },
      w.link ? [h('a', { href: w.link, rel: 'noopener', target: '_blank' }, 'Prices and links on TMDB'), ' · '] : null,
      'Offers from JustWatch'));
}

// A review's text; one that gives the plot away waits behind a "Show spoiler" reveal.
function reviewText(r) {
  const text = h('p', {}, r.text.length > 600 ? r.text.slice(0, 600) + '…' : r.text);
  if (!r.spoiler) return text;
  return h('details', { class: 'spoiler' }, h('summary', {}, 'Show spoiler'), text);
}

// Why a source gave no reviews, in one sentence.
function sourceProblem(s) {
  const name = SOURCE_NAMES[s.name] || s.name;
  return s.status === 'layout_changed'
    ? `Reviews from ${name} can't be read right now: its reviews page changed its layout.`
    : `Reviews from ${name} can't be reached right now.`;
}

// The review panel: a split bar drawn as inline SVG and each review with its label,
// filterable by label. It always says one true thing: the reviews (with a quiet note when a
// source failed or is still being asked), or why there are none (with a way to try again), or
// that there are none. While a source is being asked it looks again a few times.
function sentimentPanel(m) {
  const panel = h('section', { id: 'sentiment', class: 'panel', 'aria-live': 'polite', 'aria-busy': 'true' });
  const retry = () => h('button', { class: 'secondary', type: 'button', id: 'sentiment-retry', onclick: () => load(0) }, 'Try again');
  let filter = 'all', showAll = false;
  async function load(attempt) {
    const quiet = attempt > 0 && panel.querySelector('.reviews');
    if (!quiet) {
      panel.setAttribute('aria-busy', 'true');
      panel.replaceChildren(h('p', { class: 'loading' }, 'Reading reviews… (the first visit takes a few seconds)'));
    }
    let body;
    try { body = await api(`/api/movies/${m.id}/reviews`); }
    catch (e) {
      if (quiet) return;
      panel.replaceChildren(errorBox(e, "Couldn't load reviews right now."), retry()); panel.setAttribute('aria-busy', 'false'); return;
    }
    if (!panel.isConnected && attempt > 0) return;
    const pending = body.sources.some(s => s.status === 'pending');
    if (pending && attempt < PENDING_RETRIES) setTimeout(() => load(attempt + 1), PENDING_RETRY_MS);
    const failed = body.sources.filter(s => !ANSWERED.includes(s.status) && !['no_id', 'not_configured', 'pending'].includes(s.status));
    if (!body.reviews.length) {
      if (pending && attempt < PENDING_RETRIES) return;
      panel.replaceChildren(...(failed.length
        ? [h('p', { class: 'notice' }, failed.length > 1 ? "Reviews can't be reached right now." : sourceProblem(failed[0])), retry()]
        : [h('p', { class: 'muted' }, 'No reviews found for this movie.')]));
      panel.setAttribute('aria-busy', 'false');
      return;
    }
    const notes = failed.map(s => h('p', { class: 'muted note' }, `${sourceProblem(s)} Showing the others.`));
    if (pending) notes.push(h('p', { class: 'muted note', id: 'sentiment-pending' }, 'Looking for newer reviews…'));
    const archived = body.reviews.filter(r => r.source === 'imdb_archive').length;
    const { positive, negative } = body.summary;
    const total = positive + negative;
    const w = 300, posW = Math.round(w * positive / total);
    const svgNs = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} 28`); svg.setAttribute('width', '100%'); svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${positive} positive and ${negative} negative reviews`);
    for (const [x, width, color] of [[0, posW, 'var(--pos)'], [posW, w - posW, 'var(--neg)']]) {
      const r = document.createElementNS(svgNs, 'rect');
      r.setAttribute('x', x); r.setAttribute('y', 0); r.setAttribute('width', width); r.setAttribute('height', 28); r.setAttribute('fill', color);
      svg.append(r);
    }
    const list = h('ul', { class: 'reviews plain' });
    const label = (l) => (l === 'positive' ? 'Positive' : 'Negative');
    const item = (r) => h('li', { class: `review ${r.sentiment.label}` },
      h('div', {},
        h('span', { class: `badge ${r.sentiment.label}` }, label(r.sentiment.label)), ' ',
        h('strong', {}, r.title || ''), ' ',
        h('span', { class: 'muted' }, [r.author, r.rating ? `${r.rating}/10` : null, r.date, SOURCE_NAMES[r.source] || r.source].filter(Boolean).join(' · '))),
      reviewText(r));
    // The first few, then the rest on request: 30 long reviews are a long scroll.
    const render = () => {
      const shown = body.reviews.filter(r => filter === 'all' || r.sentiment.label === filter);
      const first = showAll ? shown : shown.slice(0, FIRST_REVIEWS);
      const more = shown.length > first.length
        ? h('li', {}, h('button', { class: 'secondary', type: 'button', id: 'sentiment-more', onclick: () => { showAll = true; render(); } }, `Show all ${shown.length} reviews`))
        : null;
      list.replaceChildren(...first.map(item), ...(more ? [more] : []));
    };
    const filters = h('div', { class: 'chips', role: 'group', 'aria-label': 'Show reviews' },
      ...['all', 'positive', 'negative'].map(f => h('button', { class: 'chip', type: 'button', 'data-filter': f, 'aria-pressed': String(f === filter),
        onclick: (e) => { filter = f; for (const b of e.currentTarget.parentNode.children) b.setAttribute('aria-pressed', String(b.dataset.filter === f)); render(); } },
        f === 'all' ? `All (${total})` : f === 'positive' ? `Positive (${positive})` : `Negative (${negative})`)));
    render();
    panel.replaceChildren(...notes,
      h('div', { class: 'split' }, svg,
        h('p', {}, h('strong', { id: 'sentiment-summary' }, `${Math.round(100 * positive / total)}% positive`),
          ` · ${positive} positive, ${negative} negative`),
        archived ? h('p', { class: 'muted', id: 'sentiment-archive' }, archived === total
          ? `These are IMDb reviews collected in 2011.`
          : `${archived} of these are IMDb reviews collected in 2011.`) : null),
      filters, list);
    panel.setAttribute('aria-busy', 'false');
  }
  load(0);
  return panel;
}

function personalControls(m) {
  const box = h('div', { class: 'mine' });
  const status = h('span', { class: 'muted', role: 'status' });
  const wlButton = h('button', { class: 'secondary', type: 'button', id: 'watchlist-toggle' });
  const label = () => { const on = onWatchlist(m.id); wlButton.textContent = on ? '✓ On your watchlist' : '+ Watchlist'; wlButton.setAttribute('aria-pressed', String(on)); };
  label();
  wlButton.addEventListener('click', async () => {
    try { await setWatchlisted(m.id, !onWatchlist(m.id)); label(); }
    catch { status.textContent = "Couldn't change your watchlist. Try again."; }
  });
  box.append(h('div', { class: 'my-rating' }, h('div', { class: 'muted' }, 'Your rating'), starRating({ id: 'my-rating', label: `Your rating of ${splitTitle(m.title).main}`, value: myRating(m.id), onChange: async (v) => {
    try {
      const offWatchlist = await rate(m.id, v);
      status.textContent = v === null ? 'Rating removed.' : `Saved ${v} stars.${offWatchlist ? ' Taken off your watchlist.' : ''}`;
      label();
    } catch { status.textContent = "Couldn't save your rating. Try again."; }
  } })), wlButton, status);
  return box;
}
