// About (where the films, ratings and reviews come from, as their licences ask) and the page
// for developers (the lab and the API), kept off the pages fans use.
import { h, pageShower } from '../dom.js';

export async function aboutPage() {
  const show = pageShower();
  show('About', h('h1', {}, 'About cinesense'),
    h('p', {}, 'cinesense suggests films from what you rate, what is like the films you love, and what other fans watched.'),
    h('h2', {}, 'Credits'),
    h('ul', {},
      h('li', {}, 'Ratings, tags and films: MovieLens, by GroupLens Research at the University of Minnesota.'),
      h('li', {}, 'Summaries, keywords, posters and cast: TMDB. This product uses the TMDB API but is not endorsed or certified by TMDB.'),
      h('li', {}, 'Where to watch: JustWatch, through TMDB.'),
      h('li', {}, 'Reviews: IMDb users. The 2011 collection is the Large Movie Review Dataset (Maas and others, Stanford, 2011).')));
}

export async function developersPage() {
  const show = pageShower();
  show('For developers', h('h1', {}, 'For developers'),
    h('ul', { class: 'links-list' },
      h('li', {}, h('a', { href: '#/lab' }, 'The lab'), ': every model side by side for one person of the ratings data.'),
      h('li', {}, h('a', { href: '/api/openapi.json' }, 'The API reference'), ' (OpenAPI): everything this app does, for programs.')));
}
