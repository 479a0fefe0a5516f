// The lab (linked from the footer): how each model ranks for a MovieLens user of the dataset.
import { api } from '../api.js';
import { h, pageShower, errorBox, year } from '../dom.js';

// Words for the models the API offers (/api/options lists them; one it adds shows as named).
const MODEL_WORDS = { hybrid: 'The blend', mf: 'Ratings model', content: 'Similar content', popular: 'Most popular', ease: 'Watched together (EASE)', ials: 'Watched together (iALS)' };

export async function labPage() {
  const show = pageShower();
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const user = h('input', { type: 'number', id: 'lab-user', min: '1', value: params.get('user') || '1', required: true });
  const { models } = await api('/api/options');
  const model = h('select', { id: 'lab-model' }, ...models.map(n => h('option', { value: n, selected: n === (params.get('model') || 'hybrid') }, MODEL_WORDS[n] || n)));
  const out = h('div', { 'aria-live': 'polite' });
  async function run(e) {
    if (e) e.preventDefault();
    out.replaceChildren(h('p', { class: 'loading' }, 'Working…'));
    try {
      const body = await api(`/api/users/${encodeURIComponent(user.value)}/recommendations?model=${model.value}&limit=10`);
      out.replaceChildren(h('p', { class: 'muted' }, `Reviewer ${body.user_id} of the dataset rated ${body.ratings} movies. Top 10 by ${MODEL_WORDS[body.model] || body.model}:`),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Movie'), h('th', {}, 'Expected stars'), h('th', {}, 'Why'))),
          h('tbody', {}, ...body.recommendations.map((r, i) => h('tr', {},
            h('td', {}, i + 1), h('td', {}, h('a', { href: `#/movie/${r.movie.id}` }, r.movie.title + year(r.movie))),
            h('td', {}, r.predicted_rating ? `${r.predicted_rating.toFixed(1)}★` : '—'), h('td', {}, r.reason))))));
    } catch (err) { out.replaceChildren(errorBox(err, err.code === 'not_found' ? 'No reviewer with that number in the dataset.' : null)); }
  }
  show('Lab', h('h1', {}, 'Lab: how the models rank'),
    h('p', { class: 'muted' }, 'Pick one of the reviewers in the MovieLens dataset and a model to see its top 10.'),
    h('form', { class: 'inline', onsubmit: run },
      h('label', { for: 'lab-user' }, 'Reviewer number', user),
      h('label', { for: 'lab-model' }, 'Model', model),
      h('button', { class: 'primary', type: 'submit' }, 'Show top 10')), out);
  run();
}
