// cinesense browser app: hash routes, no build step, no dependencies.
const main = document.getElementById('main');
// Statuses under which TMDB data or a review source's answer is there to show (the API's
// OpenAPI document lists every status).
const ANSWERED = ['ok', 'cached', 'stale'];

// ---------- helpers ----------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, options = {}) {
  let resp;
  try {
    resp = await fetch(path, { credentials: 'same-origin', ...options,
      headers: { 'Accept': 'application/json', ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...(options.headers || {}) } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  if (resp.status === 204) return null;
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON */ }
  if (!resp.ok) {
    const err = body && body.error;
    throw new ApiError(resp.status, err ? err.code : 'http', err ? err.message : `The server answered ${resp.status}.`);
  }
  return body;
}

function errorBox(e) {
  return h('div', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.message : `Something went wrong: ${e.message}`);
}

function hueOf(id) { return (Number(id) * 47) % 360; }

// A drawn placeholder poster: the title's initials on a colour from the id.
function placeholderPoster(movie) {
  const initials = (movie.title || '?').split(/\s+/).filter(w => /^[\p{L}\p{N}]/u.test(w)).slice(0, 2).map(w => w[0]).join('').toUpperCase();
  const hue = hueOf(movie.id);
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 200 300'><defs><linearGradient id='g' x1='0' y1='0' x2='0' y2='1'><stop offset='0' stop-color='hsl(${hue},45%,32%)'/><stop offset='1' stop-color='hsl(${(hue + 40) % 360},45%,16%)'/></linearGradient></defs><rect width='200' height='300' fill='url(#g)'/><text x='100' y='165' font-family='sans-serif' font-size='64' font-weight='700' fill='rgba(255,255,255,.85)' text-anchor='middle'>${initials.replace(/[<&'"]/g, '')}</text></svg>`;
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
}

function poster(movie, alt) {
  const img = h('img', { class: 'poster', alt: alt ?? `Poster of ${movie.title}`, loading: 'lazy', src: movie.poster_url || placeholderPoster(movie) });
  img.addEventListener('error', () => { img.src = placeholderPoster(movie); }, { once: true });
  return img;
}

function year(m) { return m.year ? ` (${m.year})` : ''; }

function movieCard(movie, extra) {
  return h('a', { class: 'card', href: `#/movie/${movie.id}` },
    poster(movie, ''),
    h('div', { class: 'body' },
      h('div', { class: 'title' }, movie.title),
      h('div', { class: 'sub' }, [movie.year, (movie.genres || []).slice(0, 2).join(' · ')].filter(Boolean).join(' · ')),
      extra || null));
}

function setPage(title, ...children) {
  document.title = title ? `${title} · cinesense` : 'cinesense';
  main.replaceChildren(...children);
  for (const a of document.querySelectorAll('nav a')) {
    a.toggleAttribute('aria-current', a.getAttribute('href') === location.hash || (a.getAttribute('href') === '#/' && !location.hash));
    if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
  }
}

// ---------- account ----------
let me = null;

async function loadMe() {
  try { me = (await api('/api/sessions/current')).user; } catch { me = null; }
  renderAccountLinks();
}

function renderAccountLinks() {
  const el = document.getElementById('account-links');
  if (me) {
    el.replaceChildren(h('a', { href: '#/for-you' }, 'For you'), ' ',
      h('button', { class: 'secondary', type: 'button', onclick: logout }, `Log out ${me.username}`));
  } else {
    el.replaceChildren(h('a', { href: '#/login' }, 'Log in'), ' ', h('a', { href: '#/signup' }, 'Sign up'));
  }
}

async function logout() {
  try { await api('/api/sessions', { method: 'DELETE' }); } catch { /* already gone */ }
  me = null; renderAccountLinks(); location.hash = '#/';
}

const STEPS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
function starsText(v) { return '★'.repeat(Math.floor(v)) + (v % 1 ? '½' : ''); }

// A labelled select of half-star ratings; onChange(value or null for "not rated").
function ratingControl(id, current, onChange, label = 'Your rating') {
  const select = h('select', { id, onchange: () => onChange(select.value ? Number(select.value) : null) },
    h('option', { value: '' }, current ? 'Remove rating' : 'Not rated'),
    ...STEPS.slice().reverse().map(v => h('option', { value: v, selected: current === v }, `${starsText(v)} (${v})`)));
  return h('label', { for: id }, label, select);
}

// ---------- search-as-you-type ----------
const input = document.getElementById('q');
const list = document.getElementById('suggestions');
let results = [], active = -1, controller = null, timer = null;

function highlight(title, query) {
  const words = query.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const frag = document.createDocumentFragment();
  for (const part of title.split(/(\s+)/)) {
    const folded = part.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
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

function renderList(query) {
  list.replaceChildren(...results.map((r, i) => h('li', { id: `opt-${i}`, role: 'option', 'aria-selected': i === active ? 'true' : 'false',
    onmousedown: (e) => { e.preventDefault(); choose(i); } },
    h('span', {}, highlight(r.title, query)),
    h('span', { class: 'meta' }, [r.year, r.genres.slice(0, 2).join(', ')].filter(Boolean).join(' · ')))));
  if (!results.length && query.trim()) list.replaceChildren(h('li', { role: 'option', 'aria-disabled': 'true', class: 'muted' }, 'No matches'));
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

async function suggest() {
  const query = input.value;
  if (controller) controller.abort();
  if (!query.trim()) { results = []; closeList(); return; }
  controller = new AbortController();
  try {
    const body = await api(`/api/search?q=${encodeURIComponent(query)}&limit=8`, { signal: controller.signal });
    if (query !== input.value) return; // a newer keystroke is on its way
    results = body.results; active = results.length ? 0 : -1; renderList(query);
  } catch (e) {
    if (e.name === 'AbortError') return;
    results = []; list.replaceChildren(h('li', { class: 'muted', role: 'option', 'aria-disabled': 'true' }, e.message)); list.hidden = false;
  }
}

input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(suggest, 90); });
input.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown' && results.length) { active = (active + 1) % results.length; renderList(input.value); e.preventDefault(); }
  else if (e.key === 'ArrowUp' && results.length) { active = (active - 1 + results.length) % results.length; renderList(input.value); e.preventDefault(); }
  else if (e.key === 'Enter') { if (active >= 0) choose(active); e.preventDefault(); }
  else if (e.key === 'Escape') { closeList(); }
});
input.addEventListener('blur', () => setTimeout(closeList, 100));

// ---------- pages ----------
async function homePage() {
  const genresBody = await api('/api/genres');
  const genres = genresBody.genres.map(g => g.name);
  let current = sessionStorage.getItem('genre') || 'Sci-Fi';
  const popularRow = h('div', { class: 'row', 'aria-live': 'polite' });
  const popularTitle = h('h2', { id: 'popular-title' });
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Genre' });
  async function loadGenre(g) {
    current = g; sessionStorage.setItem('genre', g);
    for (const c of chips.children) c.setAttribute('aria-pressed', String(c.dataset.genre === g));
    popularTitle.textContent = `Popular in ${g}`;
    try {
      const body = await api(`/api/popular?genre=${encodeURIComponent(g)}&limit=12`);
      popularRow.replaceChildren(...body.movies.map(m => movieCard(m, h('div', { class: 'sub' }, `★ ${m.rating_mean.toFixed(1)} · ${m.rating_count} ratings`))));
    } catch (e) { popularRow.replaceChildren(errorBox(e)); }
  }
  for (const g of genres) chips.append(h('button', { class: 'chip', type: 'button', 'data-genre': g, 'aria-pressed': 'false', onclick: () => loadGenre(g) }, g));
  const gems = h('div', { class: 'row', id: 'gems' });
  setPage('', h('h1', {}, 'Find your next movie'),
    h('p', { class: 'muted' }, 'Type a title above, browse by genre, or open a movie to see what is like it.'),
    chips, popularTitle, popularRow, h('h2', {}, 'Hidden gems'),
    h('p', { class: 'muted' }, 'Loved by the few who found them.'), gems);
  loadGenre(genres.includes(current) ? current : genres[0]);
  try {
    // Well loved and little seen: the "known" band (between the niche and the popular films),
    // rated by at least 8 people. The niche band holds films with a rating or two.
    const body = await api('/api/popular?band=known&min_votes=8&limit=12');
    gems.replaceChildren(...body.movies.map(m => movieCard(m, h('div', { class: 'sub' }, `★ ${m.rating_mean.toFixed(1)} · ${m.rating_count} ratings`))));
  } catch (e) { gems.replaceChildren(errorBox(e)); }
}

async function moviePage(id) {
  const m = await api(`/api/movies/${encodeURIComponent(id)}`);
  const facts = [
    m.year, m.runtime_minutes ? `${m.runtime_minutes} min` : null,
    m.rating_count ? `★ ${m.rating_mean.toFixed(1)} from ${m.rating_count} MovieLens ratings` : 'Not rated on MovieLens yet',
    m.tmdb_vote_average ? `TMDB ${m.tmdb_vote_average.toFixed(1)} (${m.tmdb_vote_count} votes)` : null,
  ].filter(Boolean);
  const similar = h('div', { class: 'row', id: 'similar' }, h('p', { class: 'loading' }, 'Finding similar movies…'));
  const extras = h('div', { id: 'movie-extras' });
  const tmdbOk = ANSWERED.includes(m.tmdb && m.tmdb.status);
  if (m.director) extras.append(h('p', {}, h('strong', {}, 'Director: '), m.director));
  if (m.cast && m.cast.length) extras.append(h('p', {}, h('strong', {}, 'Cast: '), m.cast.slice(0, 8).map(c => c.character ? `${c.name} (${c.character})` : c.name).join(', ')));
  if (m.trailer_key) extras.append(h('p', {}, h('a', { href: `https://www.youtube.com/watch?v=${encodeURIComponent(m.trailer_key)}`, rel: 'noopener', target: '_blank' }, 'Watch the trailer')));
  if (m.tmdb && !tmdbOk && m.tmdb.status !== 'no_tmdb_id') extras.append(h('p', { class: 'notice', id: 'tmdb-notice' }, m.tmdb.message || 'TMDB details are unavailable; showing local data.'));
  if (me) extras.append(await personalControls(m));
  setPage(m.title,
    h('article', { class: 'movie' },
      poster(m),
      h('div', {},
        h('h1', {}, m.title, m.year ? h('span', { class: 'muted' }, ` (${m.year})`) : null),
        m.original_title ? h('p', { class: 'muted' }, m.original_title) : null,
        h('div', { class: 'facts' }, ...facts.map(f => h('span', {}, f))),
        h('div', { class: 'chips', style: 'margin:10px 0' }, ...m.genres.map(g => h('span', { class: 'chip' }, g))),
        m.tagline ? h('p', {}, h('em', {}, m.tagline)) : null,
        h('p', {}, m.overview || 'No overview in the local data.'),
        m.tags.length ? h('p', { class: 'muted' }, 'Tags: ', m.tags.slice(0, 12).join(', ')) : null,
        extras)),
    h('h2', {}, 'More like this'), similar,
    h('h2', {}, 'What reviewers felt'), sentimentPanel(m));
  try {
    const body = await api(`/api/movies/${m.id}/similar?limit=12`);
    similar.replaceChildren(...body.similar.map(s => movieCard(s.movie, h('div', { class: 'reason' }, s.reason))));
    if (!body.similar.length) similar.replaceChildren(h('p', { class: 'muted' }, 'Nothing similar found.'));
  } catch (e) { similar.replaceChildren(errorBox(e)); }
}

// A review's text; one that gives the plot away waits behind a "Show spoiler" reveal.
function reviewText(r) {
  const text = h('p', {}, r.text.length > 600 ? r.text.slice(0, 600) + '…' : r.text);
  if (!r.spoiler) return text;
  return h('details', { class: 'spoiler' }, h('summary', {}, 'Show spoiler'), text);
}

// The review sentiment panel: a split bar drawn as inline SVG, the mean score, and each review
// with its label and confidence, filterable by label.
function sentimentPanel(m) {
  const panel = h('section', { id: 'sentiment', class: 'panel', 'aria-live': 'polite', 'aria-busy': 'true' },
    h('p', { class: 'loading' }, 'Fetching and reading reviews… (the first visit takes a few seconds)'));
  (async () => {
    let body;
    try { body = await api(`/api/movies/${m.id}/reviews`); }
    catch (e) { panel.replaceChildren(errorBox(e)); panel.setAttribute('aria-busy', 'false'); return; }
    const problems = body.sources.filter(s => !ANSWERED.includes(s.status) && s.status !== 'no_id' && s.status !== 'not_configured');
    const notes = problems.map(s => h('p', { class: 'notice' },
      s.status === 'layout_changed' ? `${s.name.toUpperCase()}: the reviews page changed its layout, so its reviews could not be read.` : `${s.name.toUpperCase()}: ${s.message || s.status}`));
    if (!body.reviews.length) {
      panel.replaceChildren(...notes, h('p', { class: 'muted' }, 'No reviews found for this movie.'));
      panel.setAttribute('aria-busy', 'false');
      return;
    }
    const { positive, negative, mean_score } = body.summary;
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
    let filter = 'all';
    const render = () => list.replaceChildren(...body.reviews.filter(r => filter === 'all' || r.sentiment.label === filter).map(r => h('li', { class: `review ${r.sentiment.label}` },
      h('div', {},
        h('span', { class: `badge ${r.sentiment.label}` }, `${r.sentiment.label} ${Math.round(100 * (r.sentiment.label === 'positive' ? r.sentiment.score : 1 - r.sentiment.score))}%`), ' ',
        h('strong', {}, r.title || ''), ' ',
        h('span', { class: 'muted' }, [r.author, r.rating ? `${r.rating}/10` : null, r.date, r.source.toUpperCase()].filter(Boolean).join(' · '))),
      reviewText(r))));
    const filters = h('div', { class: 'chips', role: 'group', 'aria-label': 'Show reviews' },
      ...['all', 'positive', 'negative'].map(f => h('button', { class: 'chip', type: 'button', 'data-filter': f, 'aria-pressed': String(f === filter),
        onclick: (e) => { filter = f; for (const b of e.currentTarget.parentNode.children) b.setAttribute('aria-pressed', String(b.dataset.filter === f)); render(); } },
        f === 'all' ? `All (${total})` : f === 'positive' ? `Positive (${positive})` : `Negative (${negative})`)));
    render();
    panel.replaceChildren(...notes,
      h('div', { class: 'split' }, svg,
        h('p', {}, h('strong', { id: 'sentiment-summary' }, `${Math.round(100 * positive / total)}% positive`),
          ` · ${positive} positive, ${negative} negative · mean score ${mean_score.toFixed(2)}`)),
      filters, list);
    panel.setAttribute('aria-busy', 'false');
  })();
  return panel;
}

async function personalControls(m) {
  const box = h('div', { class: 'chips', style: 'align-items:end;margin-top:12px' });
  const status = h('span', { class: 'muted', role: 'status' });
  let current = null, listed = false;
  try {
    const [ratings, wl] = await Promise.all([api('/api/me/ratings'), api('/api/me/watchlist')]);
    const mine = ratings.ratings.find(r => r.movie.id === m.id);
    current = mine ? mine.rating : null;
    listed = wl.movies.some(x => x.id === m.id);
  } catch (e) { return errorBox(e); }
  const wlButton = h('button', { class: 'secondary', type: 'button', 'aria-pressed': String(listed) });
  const label = () => { wlButton.textContent = listed ? '✓ On your watchlist' : '+ Watchlist'; wlButton.setAttribute('aria-pressed', String(listed)); };
  label();
  wlButton.addEventListener('click', async () => {
    try { await api(`/api/me/watchlist/${m.id}`, { method: listed ? 'DELETE' : 'PUT' }); listed = !listed; label(); }
    catch (e) { status.textContent = e.message; }
  });
  box.append(ratingControl('my-rating', current, async (v) => {
    try {
      if (v === null) { await api(`/api/me/ratings/${m.id}`, { method: 'DELETE' }); status.textContent = 'Rating removed.'; }
      else { await api(`/api/me/ratings/${m.id}`, { method: 'PUT', body: JSON.stringify({ rating: v }) }); status.textContent = `Saved ${v}★.`; }
    } catch (e) { status.textContent = e.message; }
  }), wlButton, status);
  return box;
}

function field(id, label, attrs) {
  return h('label', { for: id }, label, h('input', { id, name: id, ...attrs }));
}

async function loginPage() {
  const err = h('div', { 'aria-live': 'assertive' });
  async function submit(e) {
    e.preventDefault();
    const f = e.target;
    try {
      await api('/api/sessions', { method: 'POST', body: JSON.stringify({ username: f.username.value, password: f.password.value }) });
      await loadMe(); location.hash = '#/for-you';
    } catch (x) { err.replaceChildren(errorBox(x)); }
  }
  setPage('Log in', h('h1', {}, 'Log in'),
    h('form', { class: 'inline', onsubmit: submit },
      field('username', 'Username', { type: 'text', autocomplete: 'username', required: true }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
      h('button', { class: 'primary', type: 'submit' }, 'Log in')), err,
    h('p', {}, 'New here? ', h('a', { href: '#/signup' }, 'Sign up')));
}

async function signupPage() {
  const { genres } = await api('/api/genres');
  const chosen = new Set();
  const err = h('div', { 'aria-live': 'assertive' });
  const count = h('p', { class: 'muted', role: 'status' }, 'Pick at least 3.');
  const tiles = h('div', { class: 'chips', role: 'group', 'aria-label': 'Genres you like' },
    ...genres.map(g => h('button', { class: 'chip', type: 'button', 'aria-pressed': 'false', 'data-genre': g.name,
      onclick: (e) => {
        const on = !chosen.has(g.name);
        if (on) chosen.add(g.name); else chosen.delete(g.name);
        e.currentTarget.setAttribute('aria-pressed', String(on));
        count.textContent = `${chosen.size} picked${chosen.size < 3 ? ' (pick at least 3)' : ''}.`;
      } }, g.name)));
  async function submit(e) {
    e.preventDefault();
    const f = e.target;
    try {
      await api('/api/users', { method: 'POST', body: JSON.stringify({ username: f.username.value, password: f.password.value, genres: [...chosen] }) });
      await loadMe(); location.hash = '#/welcome';
    } catch (x) { err.replaceChildren(errorBox(x)); }
  }
  setPage('Sign up', h('h1', {}, 'Sign up'),
    h('form', { onsubmit: submit },
      h('h2', {}, '1. Your account'),
      h('div', { class: 'inline form' }, field('username', 'Username (3–32 letters, digits, _ . -)', { type: 'text', autocomplete: 'username', required: true, minlength: 3, maxlength: 32 }),
        field('password', 'Password (at least 8 characters)', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })),
      h('h2', {}, '2. Genres you like'), tiles, count,
      h('button', { class: 'primary', type: 'submit', id: 'signup-submit' }, 'Create account')), err);
}

async function welcomePage() {
  if (!me) { location.hash = '#/login'; return; }
  const body = await api('/api/me/onboarding?limit=20');
  let rated = 0;
  const status = h('p', { class: 'muted', role: 'status' }, 'Rate what you have seen; skip the rest.');
  const grid = h('div', { class: 'row' }, ...body.movies.map(m => h('div', { class: 'card' },
    poster(m, ''),
    h('div', { class: 'body' },
      h('a', { class: 'title', href: `#/movie/${m.id}` }, m.title),
      h('div', { class: 'sub' }, [m.year, m.genres.slice(0, 2).join(' · ')].filter(Boolean).join(' · ')),
      ratingControl(`onb-${m.id}`, null, async (v) => {
        try {
          if (v === null) await api(`/api/me/ratings/${m.id}`, { method: 'DELETE' });
          else await api(`/api/me/ratings/${m.id}`, { method: 'PUT', body: JSON.stringify({ rating: v }) });
          rated = v === null ? Math.max(0, rated - 1) : rated + 1;
          status.textContent = `${rated} rated.`;
        } catch (e) { status.textContent = e.message; }
      }, `Rate ${m.title}`)))));
  setPage('Welcome', h('h1', {}, `Welcome, ${me.username}`),
    h('p', {}, 'Rate a few of these, then see what we pick for you.'), status, grid,
    h('p', {}, h('a', { class: 'primary button', href: '#/for-you', id: 'see-for-you' }, 'See my recommendations →')));
}

async function forYouPage() {
  if (!me) { location.hash = '#/login'; return; }
  const [recs, ratings, wl] = await Promise.all([api('/api/me/recommendations?limit=12'), api('/api/me/ratings'), api('/api/me/watchlist')]);
  const ratingsList = h('ul', { class: 'plain' }, ...ratings.ratings.map(r => h('li', {},
    h('a', { href: `#/movie/${r.movie.id}` }, r.movie.title + year(r.movie)), ' ',
    ratingControl(`r-${r.movie.id}`, r.rating, async (v) => {
      if (v === null) await api(`/api/me/ratings/${r.movie.id}`, { method: 'DELETE' });
      else await api(`/api/me/ratings/${r.movie.id}`, { method: 'PUT', body: JSON.stringify({ rating: v }) });
      route();
    }, 'Rating'))));
  setPage('For you', h('h1', {}, 'For you'),
    h('p', { class: 'muted' }, recs.ratings ? `Based on your ${recs.ratings} ratings and your genres.` : 'Rate a few movies to make this personal; for now, the best of your genres.'),
    h('div', { class: 'row', id: 'recommendations' }, ...recs.recommendations.map(r => movieCard(r.movie, h('div', { class: 'reason' }, r.reason)))),
    h('h2', {}, 'Your ratings'), ratings.ratings.length ? ratingsList : h('p', { class: 'muted' }, 'No ratings yet.'),
    h('h2', {}, 'Your watchlist'), wl.movies.length ? h('div', { class: 'row' }, ...wl.movies.map(m => movieCard(m))) : h('p', { class: 'muted' }, 'Nothing on your watchlist yet.'));
}

async function explorePage() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const user = h('input', { type: 'number', id: 'explore-user', min: '1', value: params.get('user') || '1', required: true });
  const model = h('select', { id: 'explore-model' }, ...['hybrid', 'mf', 'content', 'popular'].map(n => h('option', { value: n, selected: n === (params.get('model') || 'hybrid') }, n)));
  const out = h('div', { 'aria-live': 'polite' });
  async function run(e) {
    if (e) e.preventDefault();
    out.replaceChildren(h('p', { class: 'loading' }, 'Scoring…'));
    try {
      const body = await api(`/api/users/${encodeURIComponent(user.value)}/recommendations?model=${model.value}&limit=10`);
      out.replaceChildren(h('p', { class: 'muted' }, `MovieLens user ${body.user_id} rated ${body.ratings} movies. Top 10 by ${body.model}:`),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Movie'), h('th', {}, 'Predicted'), h('th', {}, 'Why'))),
          h('tbody', {}, ...body.recommendations.map((r, i) => h('tr', {},
            h('td', {}, i + 1), h('td', {}, h('a', { href: `#/movie/${r.movie.id}` }, r.movie.title + year(r.movie))),
            h('td', {}, r.predicted_rating ? `${r.predicted_rating.toFixed(2)}★` : '—'), h('td', {}, r.reason))))));
    } catch (err) { out.replaceChildren(errorBox(err)); }
  }
  setPage('Explore', h('h1', {}, 'Explore the models'),
    h('p', { class: 'muted' }, 'Pick a MovieLens user and a model to see its top 10 with predicted ratings.'),
    h('form', { class: 'inline', onsubmit: run },
      h('label', { for: 'explore-user' }, 'MovieLens user id', user),
      h('label', { for: 'explore-model' }, 'Model', model),
      h('button', { class: 'primary', type: 'submit' }, 'Recommend')), out);
  run();
}

const routes = [
  [/^#?\/?$/, homePage],
  [/^#\/movie\/([^/?]+)/, (m) => moviePage(m[1])],
  [/^#\/explore/, explorePage],
  [/^#\/login/, loginPage],
  [/^#\/signup/, signupPage],
  [/^#\/welcome/, welcomePage],
  [/^#\/for-you/, forYouPage],
];

export const pages = { routes, setPage, api, h, movieCard, errorBox, ApiError };

async function route() {
  const hash = location.hash || '#/';
  for (const [re, page] of routes) {
    const m = hash.match(re);
    if (m) {
      try { await page(m); } catch (e) { setPage('Error', h('h1', {}, 'This page could not be shown'), errorBox(e)); }
      main.focus({ preventScroll: true });
      return;
    }
  }
  setPage('Not found', h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the home page')));
}

window.addEventListener('hashchange', route);
loadMe().then(route);
