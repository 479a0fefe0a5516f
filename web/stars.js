// Tap-the-stars rating: five stars, the left half of a star is half a star. A slider for
// keyboards and screen readers: arrows move by half a star, Home/End go to ½ and 5, Delete
// or 0 clears. onChange(value, or null for "not rated") fires once the value settles.
import { h } from './dom.js';

const SETTLE_MS = 500;

function spoken(v) { return v ? `${v} of 5 stars` : 'not rated'; }

export function starRating({ id, label, value = null, onChange }) {
  let v = value || 0, timer = null, saved = v;
  const stars = [1, 2, 3, 4, 5].map(n => h('span', { class: 'star', 'data-n': n, 'aria-hidden': 'true' }, '★'));
  const el = h('div', { class: 'stars', id, role: 'slider', tabindex: '0', 'aria-label': label,
    'aria-valuemin': '0', 'aria-valuemax': '5' }, ...stars);
  function draw() {
    stars.forEach((s, i) => { s.className = 'star ' + (v >= i + 1 ? 'full' : v >= i + 0.5 ? 'half' : 'empty'); });
    el.setAttribute('aria-valuenow', String(v));
    el.setAttribute('aria-valuetext', spoken(v));
    el.title = spoken(v);
  }
  function set(next, now) {
    v = Math.max(0, Math.min(5, next));
    draw();
    clearTimeout(timer);
    const commit = () => { if (v !== saved) { saved = v; onChange(v || null); } };
    if (now) commit(); else timer = setTimeout(commit, SETTLE_MS);
  }
  el.addEventListener('click', (e) => {
    const star = e.target.closest('.star');
    if (!star) return;
    const n = Number(star.dataset.n);
    const r = star.getBoundingClientRect();
    const half = e.clientX - r.left < r.width / 2;
    const next = half ? n - 0.5 : n;
    set(next === v ? 0 : next, true); // tapping the same value again clears it
  });
  el.addEventListener('keydown', (e) => {
    const moves = { ArrowRight: 0.5, ArrowUp: 0.5, ArrowLeft: -0.5, ArrowDown: -0.5 };
    if (e.key in moves) set(Math.max(v === 0 && moves[e.key] < 0 ? 0 : 0.5, v + moves[e.key]));
    else if (e.key === 'Home') set(0.5);
    else if (e.key === 'End') set(5);
    else if (e.key === 'Delete' || e.key === 'Backspace' || e.key === '0') set(0);
    else if (e.key === 'Enter') set(v, true);
    else return;
    e.preventDefault();
  });
  el.addEventListener('blur', () => { if (timer) set(v, true); });
  draw();
  return el;
}
