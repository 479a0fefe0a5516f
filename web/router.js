// Hash routes. Every new page starts at the top (Back and Forward return to where you were),
// a bar at the top shows while a page loads, and focus moves to the new page after the first.
import { h, main, setPage, errorBox } from './dom.js';
import { ApiError } from './api.js';
import { notFoundPage } from './pages/not-found.js';

const bar = document.getElementById('progress');
const positions = new Map();   // scroll position of each page left, by its address
let lastNavigation = 'push';   // or 'traverse' for Back/Forward, where the browser says so
let current = location.hash || '#/';
let first = true;
let routes = [];

export function setRoutes(table) { routes = table; }

function remember() { positions.set(current, window.scrollY); }

// Back to where the reader was; parts that load late (the reviews) may have to arrive first,
// so keep trying while the page grows, until the reader scrolls or 3 s pass.
function restore(y) {
  window.scrollTo(0, y);
  if (Math.abs(window.scrollY - y) < 2) return;
  const grown = new ResizeObserver(() => { window.scrollTo(0, y); if (Math.abs(window.scrollY - y) < 2) stop(); });
  const stop = () => { grown.disconnect(); for (const ev of ['wheel', 'touchstart', 'keydown']) removeEventListener(ev, stop); };
  grown.observe(main);
  for (const ev of ['wheel', 'touchstart', 'keydown']) addEventListener(ev, stop, { passive: true });
  setTimeout(stop, 3000);
}

if (window.navigation) {
  window.navigation.addEventListener('navigate', (e) => { lastNavigation = e.navigationType; });
}
history.scrollRestoration = 'manual';

export async function route() {
  // A path outside the app (/does/not/exist, answered with the app and status 404): its own
  // not-found page; a link from there goes back into the app.
  if (location.pathname !== '/') {
    if (location.hash) { location.replace('/' + location.hash); return; }
    await notFoundPage();
    return;
  }
  remember();
  const hash = location.hash || '#/';
  const back = lastNavigation === 'traverse';
  lastNavigation = 'push';
  current = hash;
  if (!back) window.scrollTo(0, 0);
  // The search box keeps what was typed only on that search's results.
  const q = document.getElementById('q');
  if (!hash.startsWith('#/search') && document.activeElement !== q) q.value = '';
  bar.hidden = false;
  main.setAttribute('aria-busy', 'true');
  try {
    const found = routes.find(([re]) => re.test(hash));
    if (!found) await notFoundPage();
    else {
      try { await found[1](hash.match(found[0])); }
      catch (e) {
        if (e instanceof ApiError && e.code === 'not_found') await notFoundPage('movie');
        else setPage('Something went wrong', h('h1', {}, "This page couldn't be shown"), errorBox(e));
      }
    }
  } finally {
    bar.hidden = true;
    main.setAttribute('aria-busy', 'false');
  }
  if (current !== hash) return; // another navigation started meanwhile
  if (back) restore(positions.get(hash) || 0); else window.scrollTo(0, 0);
  // Focus follows navigation, but the first page leaves it at the top (skip link, search).
  // Someone typing in the search box meanwhile keeps the focus there.
  if (!first && document.activeElement !== document.getElementById('q')) main.focus({ preventScroll: true });
  first = false;
}

export function startRouter() {
  window.addEventListener('hashchange', route);
  return route();
}
