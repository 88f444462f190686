// Replays the recorded frames of the step-through page (tinygrad_edu/stepper/frames.py).
// Every element a frame names carries data-key; one key may stand for several elements
// (a unit's output shows in the drawing and in the table). A number cell also carries
// data-v, so it can be cleared back to what the page showed before the first step.
(function () {
  const F = JSON.parse(document.getElementById('frames').textContent);
  const byKey = new Map();
  for (const e of document.querySelectorAll('[data-key]')) {
    if (!byKey.has(e.dataset.key)) byKey.set(e.dataset.key, []);
    byKey.get(e.dataset.key).push(e);
  }
  const of = key => byKey.get(key) || [];
  const cells = Array.from(document.querySelectorAll('[data-v]'));
  const base = new Map(cells.map(e => [e, e.textContent]));
  const $ = id => document.getElementById(id);
  let cur = 0;
  function show(i) {
    i = Math.max(0, Math.min(F.length - 1, i));
    let s = i;
    while (s > 0 && !F[s].reset) s--;
    for (const e of cells) { e.textContent = base.get(e); e.removeAttribute('data-value'); }
    document.querySelectorAll('[data-st]').forEach(e => e.removeAttribute('data-st'));
    document.querySelectorAll('.cur').forEach(e => e.classList.remove('cur'));
    for (let k = s; k <= i; k++) {
      for (const [key, v] of Object.entries(F[k].values)) {
        for (const e of of(key)) { e.textContent = v.text; e.setAttribute('data-value', v.value); }
      }
      for (const [key, st] of Object.entries(F[k].states)) {
        for (const e of of(key)) e.setAttribute('data-st', st);
      }
    }
    const f = F[i];
    for (const key of f.highlight.concat(Object.keys(f.values))) {
      for (const e of of(key)) e.classList.add('cur');
    }
    // on a narrow screen the drawing scrolls sideways: bring this step's elements into view
    const shown = f.highlight.flatMap(of).filter(e => e.closest('#main-scroll'));
    if (shown.length) {
      const wrap = $('main-scroll'), w = wrap.getBoundingClientRect();
      const left = Math.min(...shown.map(e => e.getBoundingClientRect().left));
      const right = Math.max(...shown.map(e => e.getBoundingClientRect().right));
      if (left < w.left || right > w.right) {
        const centre = (left + right - w.left - w.right) / 2;
        wrap.scrollLeft += right - left > w.width ? left - w.left : centre;
      }
    }
    $('sentence').textContent = f.sentence;
    $('counter').textContent = 'step ' + (i + 1) + ' / ' + F.length;
    $('phase').innerHTML = (f.iteration ? 'iteration ' + f.iteration + ' · ' : '') +
      '<b>' + f.phase + '</b>';
    $('first').disabled = $('prev').disabled = i === 0;
    $('last').disabled = $('next').disabled = i === F.length - 1;
    document.body.setAttribute('data-step', i);
    cur = i;
  }
  $('first').onclick = () => show(0);
  $('prev').onclick = () => show(cur - 1);
  $('next').onclick = () => show(cur + 1);
  $('last').onclick = () => show(F.length - 1);
  document.addEventListener('keydown', e => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const to = {ArrowRight: cur + 1, ArrowLeft: cur - 1, Home: 0, End: F.length - 1}[e.key];
    if (to !== undefined) { e.preventDefault(); show(to); }
  });
  show(0);
})();
