// "Import from Letterboxd or IMDb": pick the export file, send it as text/csv to
// /api/me/import, say what came in and list the films that could not be matched.
import { api } from './api.js';
import { h, plainMessage } from './dom.js';
import { reloadMarks } from './store.js';

function plural(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

// onDone(report) after a successful import.
export function importBox({ onDone } = {}) {
  const input = h('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv' });
  const status = h('div', { role: 'status', class: 'import-status', id: 'import-status' });
  input.addEventListener('change', async () => {
    const file = input.files[0];
    if (!file) return;
    status.replaceChildren(h('p', { class: 'muted' }, `Reading ${file.name}…`));
    try {
      const report = await api('/api/me/import', { method: 'POST', body: await file.text(), headers: { 'Content-Type': 'text/csv' } });
      await reloadMarks();
      const parts = [`Imported ${plural(report.imported, 'rating', 'ratings')}.`];
      if (report.already_rated) parts.push(`${plural(report.already_rated, 'film was', 'films were')} already rated here and kept your rating.`);
      if (report.without_rating) parts.push(`${plural(report.without_rating, 'entry has', 'entries have')} no rating and ${report.without_rating === 1 ? 'was' : 'were'} left out.`);
      status.replaceChildren(h('p', { id: 'import-summary' }, parts.join(' ')),
        report.unmatched.length ? h('details', { class: 'unmatched' },
          h('summary', {}, `${plural(report.unmatched.length, 'film', 'films')} we couldn't find`),
          h('ul', {}, ...report.unmatched.slice(0, 200).map(u => h('li', {}, u.year ? `${u.title} (${u.year})` : u.title)))) : null);
      if (onDone) onDone(report);
    } catch (e) {
      status.replaceChildren(h('p', { class: 'error', role: 'alert' },
        e.code === 'bad_parameter' ? `That file can't be imported: ${e.message}.` : plainMessage(e)));
    } finally { input.value = ''; }
  });
  return h('section', { class: 'panel import', 'aria-labelledby': 'import-title' },
    h('h2', { id: 'import-title' }, 'Import from Letterboxd or IMDb'),
    h('p', { class: 'muted' }, 'Letterboxd: Settings → Import & Export → Export your data, then pick ratings.csv or diary.csv. IMDb: Your Ratings → ⋯ → Export.'),
    h('label', { for: 'import-file', class: 'file' }, 'Choose the export file', input), status);
}
