// Building the page: elements, posters and plain-worded errors.
import { ApiError } from './api.js';

export const main = document.getElementById('main');

export function h(tag, attrs = {}, ...children) {
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

// What went wrong, in words for people; the details stay in the server's log and the API's
// JSON error.
export function plainMessage(e) {
  if (!(e instanceof ApiError)) return 'Something went wrong on this page. Try reloading it.';
  switch (e.code) {
    case 'network': return "Couldn't reach cinesense. Check your connection and try again.";
    case 'not_found': return "We couldn't find that.";
    case 'unauthorized': return 'Please log in again.';
    case 'too_many_requests': return 'Too many tries in a row. Wait a little and try again.';
    case 'unavailable': return 'This is busy right now. Try again in a moment.';
    default: return 'Something went wrong. Try again in a moment.';
  }
}

export function errorBox(e, message) {
  return h('div', { class: 'error', role: 'alert' }, message || plainMessage(e));
}

// "Bicycle Thieves (a.k.a. The Bicycle Thief) (a.k.a. ...)" → the title and its other names.
export function splitTitle(title) {
  const aka = [];
  const main = (title || '').replace(/\s*\(a\.k\.a\. ([^)]*)\)/g, (_, name) => { aka.push(name); return ''; }).trim();
  return { main: main || title, aka: [...new Set(aka)] };
}

function hueOf(id) { return (Number(id) * 47) % 360; }

// A placeholder poster for a film without artwork: a colour from its id and the first letter
// of its title, so three such films in a row can be told apart. The title itself is printed
// once, under it.
export function placeholderPoster(movie) {
  const hue = hueOf(movie.id);
  const letter = (splitTitle(movie.title || '?').main.replace(/^(The|A|An) /, '').match(/\p{L}|\p{N}/u) || ['?'])[0].toUpperCase();
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 200 300'><defs><linearGradient id='g' x1='0' y1='0' x2='0' y2='1'><stop offset='0' stop-color='hsl(${hue},40%,30%)'/><stop offset='1' stop-color='hsl(${(hue + 40) % 360},40%,14%)'/></linearGradient></defs><rect width='200' height='300' fill='url(#g)'/><rect x='10' y='10' width='180' height='280' fill='none' stroke='rgba(255,255,255,.25)'/><text x='100' y='178' font-family='Georgia,serif' font-size='96' font-weight='700' fill='rgba(255,255,255,.55)' text-anchor='middle'>${letter.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)}</text></svg>`;
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
}

export function poster(movie, alt) {
  const img = h('img', { class: 'poster', alt: alt ?? `Poster of ${movie.title}`, loading: 'lazy', src: movie.poster_url || placeholderPoster(movie) });
  img.addEventListener('error', () => { img.src = placeholderPoster(movie); }, { once: true });
  return img;
}

export function year(m) { return m.year ? ` (${m.year})` : ''; }

// Decades for filters, newest first, as [value, words] pairs.
export const DECADES = [2010, 2000, 1990, 1980, 1970, 1960, 1950, 1940, 1930, 1920].map(d => [String(d), `${d}s`]);

// A labelled dropdown of [value, words] pairs, in the order given (an object would list '3'
// and '4' before '3.5'), with an "any" choice first when `anyLabel` is given.
export function select(id, label, options, value, anyLabel) {
  return h('label', { for: id }, label, h('select', { id, name: id },
    anyLabel ? h('option', { value: '' }, anyLabel) : null,
    ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

export function field(id, label, attrs) {
  return h('label', { for: id }, label, h('input', { id, name: id, ...attrs }));
}

// A page's way to show itself, taken when the page starts: it shows nothing once the reader
// has moved on, so a slow page cannot overwrite the one they went to.
export function pageShower() {
  const hash = location.hash || '#/';
  return (title, ...children) => { if ((location.hash || '#/') === hash) setPage(title, ...children); };
}

export function setPage(title, ...children) {
  document.title = title ? `${title} · cinesense` : 'cinesense';
  main.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  for (const a of document.querySelectorAll('nav a')) {
    const href = a.getAttribute('href'), hash = location.hash || '#/';
    const inside = location.pathname === '/';
    const here = inside && (href === '#/' ? hash === '#/' : hash === href || hash.startsWith(href + '?'));
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}
