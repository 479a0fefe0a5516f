// For you: personal recommendations with their reasons. A card action changes that card in
// place (a mark, or "Undo" after "Not interested"): the list turns only when asked ("Show new
// picks") or on the next visit.
import { api } from '../api.js';
import { h, pageShower, errorBox } from '../dom.js';
import { movieCard } from '../cards.js';
import { currentUser, onMarksChange } from '../store.js';

let refreshOffered = null; // the page's "Show new picks" button, while it is shown

onMarksChange(() => { if (refreshOffered && document.contains(refreshOffered)) refreshOffered.hidden = false; });

export async function forYouPage() {
  const show = pageShower();
  if (!currentUser()) { location.hash = '#/login'; return; }
  const row = h('div', { class: 'row', id: 'recommendations' });
  const basis = h('p', { class: 'muted' });
  const again = h('button', { class: 'secondary', type: 'button', id: 'new-picks', hidden: true }, 'Show new picks');
  refreshOffered = again;
  async function load() {
    try {
      const recs = await api('/api/me/recommendations?limit=24');
      basis.textContent = recs.ratings ? `Based on your ${recs.ratings} ratings and your genres.` : 'Rate a few movies to make this personal; for now, the best of your genres.';
      row.replaceChildren(...recs.recommendations.map(r => movieCard(r.movie, h('div', { class: 'reason' }, r.reason))));
      again.hidden = true;
    } catch (e) { row.replaceChildren(errorBox(e, "Couldn't load your recommendations right now.")); }
  }
  again.addEventListener('click', async () => { await load(); row.scrollIntoView({ block: 'start' }); });
  show('For you', h('h1', {}, 'For you'), basis, h('div', { class: 'toolbar' }, again), row,
    h('p', { class: 'links' }, h('a', { href: '#/diary' }, 'Your films →'), h('a', { href: '#/watchlist' }, 'Your watchlist →')));
  await load();
}
