// Progressive enhancement only: every page works without this script.
document.addEventListener('keydown', (e) => {
  // "/" focuses the first search box, as in most professional tools.
  if (e.key === '/' && !(e.target instanceof HTMLInputElement)) {
    const q = document.querySelector('input[name="q"]');
    if (q) { e.preventDefault(); q.focus(); }
  }
});
