// Progressive enhancement only: every page works without this script.
const notice = (text) => {
  const n = document.createElement('div');
  n.className = 'notice';
  n.textContent = text;
  document.body.appendChild(n);
  setTimeout(() => n.remove(), 3500);
};

document.addEventListener('keydown', (e) => {
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
  if (e.key === '/' && !typing) {
    const q = document.querySelector('input[name="q"]');
    if (q) { e.preventDefault(); q.focus(); }
  }
  // Assessment workspace: j/k move between units, 1–4 record a value for the focused unit.
  const ws = document.querySelector('.workspace');
  if (!ws || typing) return;
  const rows = [...document.querySelectorAll('article.result')];
  const current = document.activeElement instanceof HTMLElement && document.activeElement.matches('article.result') ? document.activeElement : null;
  const i = current ? rows.indexOf(current) : -1;
  if (e.key === 'j' || e.key === 'k') {
    const next = rows[Math.min(rows.length - 1, Math.max(0, i + (e.key === 'j' ? 1 : -1)))];
    if (next) { e.preventDefault(); next.focus(); next.scrollIntoView({ block: 'center' }); }
  }
  const values = { 1: 'conform', 2: 'partial', 3: 'nonconform', 4: 'na' };
  if (current && values[e.key] && current.querySelector('form.entry')) {
    e.preventDefault();
    void save(ws, current, values[e.key]).then((ok) => { if (ok && rows[i + 1]) rows[i + 1].focus(); });
  }
});

async function save(ws, row, value) {
  const form = row.querySelector('form.entry');
  const objectId = row.dataset.object === 'system' ? null : row.dataset.object;
  const res = await fetch(`/api/v1/assessments/${ws.dataset.assessment}/results/${row.dataset.code}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-csrf-token': ws.dataset.csrf },
    body: JSON.stringify({ objectId, value, record: form.record.value || null, rowVersion: Number(row.dataset.version) }),
  });
  if (res.status === 409) { notice(ws.dataset.conflict); return false; }
  if (!res.ok) { notice((await res.json()).error?.message ?? res.statusText); return false; }
  const body = await res.json();
  row.dataset.version = String(body.rowVersion);
  form.rowVersion.value = String(body.rowVersion);
  row.className = `result value-${body.value}`;
  form.querySelectorAll('.v').forEach((b) => b.classList.toggle('on', b.value === body.value));
  void refreshSummary(ws);
  return true;
}

// The summary panel follows every recorded result.
async function refreshSummary(ws) {
  const res = await fetch(`/api/v1/assessments/${ws.dataset.assessment}/summary`);
  if (!res.ok) return;
  const s = await res.json();
  const zh = document.documentElement.lang === 'zh-CN';
  const set = (key, text) => { const el = document.querySelector(`[data-live="${key}"]`); if (el) el.textContent = text; };
  set('label', zh ? s.conclusion.label.zh : s.conclusion.label.en);
  set('rate', s.overall.rate === null ? '—' : `${(s.overall.rate * 100).toFixed(1)}%`);
  set('progress', `${s.progress.assessed}/${s.progress.total}`);
  set('rule', zh ? s.conclusion.rule.zh : s.conclusion.rule.en);
}

// Drag and drop a file on a result to upload it as evidence and link it to that result.
document.addEventListener('dragover', (e) => { const d = e.target.closest?.('article.result'); if (d) { e.preventDefault(); d.querySelector('.drop')?.classList.add('over'); } });
document.addEventListener('drop', async (e) => {
  const row = e.target.closest?.('article.result');
  const ws = document.querySelector('.workspace');
  if (!row || !ws || !e.dataTransfer?.files?.length) return;
  e.preventDefault();
  const file = e.dataTransfer.files[0];
  const data = new FormData();
  data.append('title', file.name);
  data.append('kind', 'other');
  data.append('file', file);
  const up = await fetch('/api/v1/evidence', { method: 'POST', body: data });
  if (!up.ok) { notice((await up.json()).error?.message ?? up.statusText); return; }
  const evidence = await up.json();
  await fetch(`/api/v1/evidence/${evidence.id}/links`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ targetType: 'assessment_result', targetId: row.dataset.result }) });
  notice(ws.dataset.attached);
});

// Reports page: refresh while a job is running.
if (document.querySelector('tr[data-status="queued"], tr[data-status="running"]')) setTimeout(() => location.reload(), 1500);

// Grading wizard: show S?A?G? live from the GB/T 22240 matrix the server embeds in the form.
const grading = document.querySelector('form.grading');
if (grading) {
  const matrix = JSON.parse(grading.dataset.matrix);
  const update = () => {
    const level = (prefix) => Math.max(0, ...['citizens', 'social', 'national'].map((o) => {
      const d = grading.elements[`${prefix}_${o}`].value;
      return d === 'none' ? 0 : matrix[o][d];
    }));
    const s = level('s');
    const a = level('a');
    grading.querySelector('.grading-result').textContent = s && a ? `S${s}A${a}G${Math.max(s, a)}` : '—';
  };
  grading.addEventListener('change', update);
  update();
}

// The organisation switcher applies on change.
document.querySelector('.org-switch select')?.addEventListener('change', (e) => e.target.form.submit());
