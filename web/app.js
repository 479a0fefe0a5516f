// cinesense in the browser: ES modules, no build step, no dependencies.
//   api.js     the API client          dom.js     elements, posters, cards, plain errors
//   store.js   who is logged in         search.js  search-as-you-type in the header
//   router.js  hash routes, scroll, loading bar, focus
//   pages/     one file per page
import { h } from './dom.js';
import { currentUser, loadMe, logout, onUserChange } from './store.js';
import { startSearch } from './search.js';
import { setRoutes, startRouter } from './router.js';
import { homePage } from './pages/home.js';
import { moviePage } from './pages/movie.js';
import { resultsPage } from './pages/results.js';
import { loginPage } from './pages/login.js';
import { signupPage } from './pages/signup.js';
import { welcomePage } from './pages/welcome.js';
import { forYouPage } from './pages/for-you.js';
import { labPage } from './pages/lab.js';
import { watchlistPage } from './pages/watchlist.js';
import { browsePage } from './pages/browse.js';
import { diaryPage } from './pages/diary.js';
import { aboutPage, developersPage } from './pages/about.js';

setRoutes([
  [/^#?\/?$/, homePage],
  [/^#\/movie\/([^/?]+)/, (m) => moviePage(m[1])],
  [/^#\/search/, resultsPage],
  [/^#\/browse/, browsePage],
  [/^#\/lab/, labPage],
  [/^#\/login/, loginPage],
  [/^#\/signup/, signupPage],
  [/^#\/welcome/, welcomePage],
  [/^#\/for-you/, forYouPage],
  [/^#\/watchlist/, watchlistPage],
  [/^#\/diary/, diaryPage],
  [/^#\/about/, aboutPage],
  [/^#\/developers/, developersPage],
]);

function renderAccountLinks(me) {
  const el = document.getElementById('account-links');
  if (me) {
    // On a phone "Your films" says "Films" and "Log out" waits on the Your films page, so the
    // menu fits beside the logo.
    el.replaceChildren(h('a', { href: '#/for-you' }, 'For you'),
      h('a', { href: '#/diary' }, h('span', { class: 'wide-only' }, 'Your films'), h('span', { class: 'phone-only' }, 'Films')),
      h('a', { href: '#/watchlist' }, 'Watchlist'),
      h('button', { class: 'secondary logout', type: 'button', onclick: async () => { await logout(); location.hash = '#/'; } }, 'Log out'));
  } else {
    el.replaceChildren(h('a', { href: '#/login' }, 'Log in'), h('a', { href: '#/signup' }, 'Sign up'));
  }
}

onUserChange(renderAccountLinks);
startSearch();
loadMe().then(() => { renderAccountLinks(currentUser()); return startRouter(); });
