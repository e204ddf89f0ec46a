// Progressive enhancement only: every page works without this script.
document.documentElement.classList.add('js');

// Small screens: the header's navigation folds behind a menu button.
document.querySelector('.menu-toggle')?.addEventListener('click', (e) => {
  const open = document.querySelector('header.top').classList.toggle('open');
  e.currentTarget.setAttribute('aria-expanded', String(open));
});
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
  const rows = [...document.querySelectorAll('article.result[data-result]')];
  const current = document.activeElement instanceof HTMLElement && document.activeElement.matches('article.result[data-result]') ? document.activeElement : null;
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
  const method = form.template?.value;
  const body = { objectId, value, record: form.record.value || null, rowVersion: Number(row.dataset.version) };
  if (method) body.methods = [method];
  const res = await fetch(`/api/v1/assessments/${ws.dataset.assessment}/results/${row.dataset.code}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-csrf-token': ws.dataset.csrf },
    body: JSON.stringify(body),
  });
  if (res.status === 409) { notice(ws.dataset.conflict); return false; }
  if (!res.ok) { notice((await res.json()).error?.message ?? res.statusText); return false; }
  const saved = await res.json();
  const before = [...row.classList].find((c) => c.startsWith('value-'))?.slice(6);
  row.dataset.version = String(saved.rowVersion);
  form.rowVersion.value = String(saved.rowVersion);
  row.className = `result value-${saved.value}`;
  form.querySelectorAll('.v').forEach((b) => b.classList.toggle('on', b.value === saved.value));
  countProgress(ws, before, saved.value);
  void refreshSummary(ws);
  return true;
}

// Progress counts of the layer and the control point follow each save, without reloading.
function countProgress(ws, before, after) {
  const delta = (before === 'not_assessed' ? 1 : 0) - (after === 'not_assessed' ? 1 : 0);
  if (!delta) return;
  const bump = (el) => { const [d, t] = el.textContent.split('/').map(Number); el.textContent = `${d + delta}/${t}`; };
  document.querySelectorAll(`[data-layer-progress="${ws.dataset.layer}"], [data-cp-progress]`).forEach(bump);
}

const workspace = document.querySelector('.workspace');
if (workspace) {
  const ws = workspace;
  // Value buttons save in place (the form still works without this script: it comes back to the row).
  ws.addEventListener('submit', (e) => {
    const form = e.target;
    const row = form.closest('article.result');
    if (!form.matches('form.entry') || !row || row.classList.contains('extra') || !e.submitter?.value) return;
    e.preventDefault();
    void save(ws, row, e.submitter.value);
  });
  // Record templates per test method: the chosen template's text goes into the record.
  const templates = JSON.parse(document.getElementById('record-templates')?.textContent || '{}');
  ws.addEventListener('change', (e) => {
    const sel = e.target;
    if (sel.matches('select.tpl') && templates[sel.value]) {
      const row = sel.closest('article.result');
      const text = templates[sel.value].replaceAll('{object}', row.dataset.name).replaceAll('{unit}', row.dataset.code);
      const area = row.querySelector('textarea[name=record]');
      area.value = area.value.trim() ? `${area.value.trim()}\n${text}` : text;
      area.focus();
    }
    // The dense grid: each cell saves on change with its row version.
    if (sel.matches('select.cell') && sel.value) void saveCell(ws, sel);
  });
  // Evidence chosen in a row's form uploads in place and shows on the row (name, kind, hash).
  ws.addEventListener('submit', (e) => {
    const form = e.target;
    if (!form.matches('form.attach') || !form.file.files.length) return;
    // The unit's form names its row in a drop-down.
    const row = form.resultId ? document.getElementById(`r-${form.resultId.value}`) : form.closest('article.result');
    if (!row) return;
    e.preventDefault();
    void attach(ws, row, form.file.files[0], form.kind.value);
  });
  // Copying a result: only objects of the source's category can be chosen.
  ws.querySelectorAll('form.copy-form').forEach((form) => {
    const sync = () => {
      const source = form.querySelector(`input[name=to][value^="${form.from.value}:"]`);
      form.querySelectorAll('input[name=to]').forEach((box) => {
        box.disabled = box === source || box.dataset.category !== source?.dataset.category;
        if (box.disabled) box.checked = false;
      });
    };
    form.from.addEventListener('change', sync);
    sync();
  });
}

async function saveCell(ws, sel) {
  // The cell's name says what it is: c.<unit>.<object>.<row version>.
  const [, code, object, version] = sel.name.split('.');
  const res = await fetch(`/api/v1/assessments/${ws.dataset.assessment}/results/${code}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-csrf-token': ws.dataset.csrf },
    body: JSON.stringify({ objectId: object === 'system' ? null : object, value: sel.value, rowVersion: Number(version) }),
  });
  if (res.status === 409) { notice(ws.dataset.conflict); return; }
  if (!res.ok) { notice((await res.json()).error?.message ?? res.statusText); return; }
  const saved = await res.json();
  const before = [...sel.classList].find((c) => c.startsWith('value-'))?.slice(6);
  // The form's fallback submit carries the new version too.
  sel.name = `c.${code}.${object}.${saved.rowVersion}`;
  sel.className = `cell value-${saved.value}`;
  countProgress(ws, before, saved.value);
  void refreshSummary(ws);
}

async function attach(ws, row, file, kind) {
  const data = new FormData();
  data.append('kind', kind || 'other');
  data.append('file', file);
  const up = await fetch(`/assessments/${ws.dataset.assessment}/results/${row.dataset.result}/evidence?_csrf=${encodeURIComponent(ws.dataset.csrf)}`, { method: 'POST', body: data, headers: { accept: 'application/json' } });
  if (!up.ok) { notice((await up.json().catch(() => ({}))).error?.message ?? up.statusText); return; }
  const ev = await up.json();
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = `/evidence/${ev.id}`;
  a.textContent = ev.title;
  const tag = document.createElement('span');
  tag.className = 'tag';
  tag.textContent = ev.kindLabel;
  const code = document.createElement('code');
  code.textContent = ev.hash;
  li.append(a, ' ', tag, ' ', code);
  row.querySelector('.evidence-list').append(li);
  row.closest('section.unit')?.querySelector('form.attach')?.reset();
  notice(ws.dataset.attached);
}

// The summary panel follows every recorded result.
async function refreshSummary(ws) {
  const res = await fetch(`/api/v1/assessments/${ws.dataset.assessment}/summary`);
  if (!res.ok) return;
  const s = await res.json();
  const zh = document.documentElement.lang === 'zh-CN';
  const set = (key, text) => document.querySelectorAll(`[data-live="${key}"]`).forEach((el) => (el.textContent = text));
  set('label', zh ? s.conclusion.label.zh : s.conclusion.label.en);
  set('rate', s.overall.rate === null ? '—' : `${(s.overall.rate * 100).toFixed(1)}%`);
  set('progress', `${s.progress.assessed}/${s.progress.total}`);
  set('rule', zh ? s.conclusion.rule.zh : s.conclusion.rule.en);
}

// Drag and drop a file on a result to upload it as evidence of that result (with the kind chosen in its unit's form).
const unitForm = (row) => row.closest('section.unit')?.querySelector('form.attach');
document.addEventListener('dragover', (e) => { const d = e.target.closest?.('article.result'); if (d && unitForm(d)) { e.preventDefault(); d.classList.add('over'); } });
document.addEventListener('dragleave', (e) => { e.target.closest?.('article.result')?.classList.remove('over'); });
document.addEventListener('drop', async (e) => {
  const row = e.target.closest?.('article.result');
  const ws = document.querySelector('.workspace');
  if (!row || !ws || !e.dataTransfer?.files?.length || !unitForm(row)) return;
  e.preventDefault();
  row.classList.remove('over');
  await attach(ws, row, e.dataTransfer.files[0], unitForm(row).kind.value);
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
