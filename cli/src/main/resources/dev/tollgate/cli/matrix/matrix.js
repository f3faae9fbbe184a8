// Draws the matrix from the JSON block above it. Every string from the JSON comes from user configuration, so it
// reaches the page only through textContent, title and dataset (never as markup), and the page's CSP allows no
// script but this one.
(function () {
  'use strict';
  var OUTCOMES = {
    'allowed': { glyph: '\u2713', label: 'allowed', summary: 'allowed' },
    'partly': { glyph: '\u00bd', label: 'partly: depends on the request', summary: 'partly' },
    'blocked': { glyph: 'S', label: 'blocked by the sidecar', summary: 'blocked' },
    'denied': { glyph: '\u2717', label: 'denied at the gateway', summary: 'denied' },
    'no-route': { glyph: '\u2013', label: 'no route', summary: 'noRoute' }
  };
  var ORDER = ['allowed', 'partly', 'blocked', 'denied', 'no-route'];

  function known(name) { return typeof name === 'string' && Object.prototype.hasOwnProperty.call(OUTCOMES, name); }
  function cls(name) { return known(name) ? 'o-' + name : 'o-unknown'; }
  function glyph(name) { return known(name) ? OUTCOMES[name].glyph : '?'; }
  function label(name) { return known(name) ? OUTCOMES[name].label : 'unknown outcome "' + text(name) + '"'; }
  function text(v) { return v === null || v === undefined ? '' : (typeof v === 'object' ? JSON.stringify(v) : String(v)); }
  function list(v) { return Array.isArray(v) ? v : []; }
  function el(tag, className, content) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (content !== undefined) { e.textContent = text(content); }
    return e;
  }
  function rowName(r) { return text(rows[r].id); }
  function columnName(c) {
    var col = columns[c];
    return col.id !== undefined ? text(col.id) : text(col.host) + ':' + text(col.port);
  }
  function labelsOf(row) {
    var labels = row.labels && typeof row.labels === 'object' ? row.labels : {};
    return Object.keys(labels).map(function (k) { return k + '=' + text(labels[k]); });
  }

  var data = JSON.parse(document.getElementById('matrix-data').textContent);
  var rows = list(data.rows).map(function (r) { return r && typeof r === 'object' ? r : {}; });
  var columns = list(data.columns).map(function (c) { return c && typeof c === 'object' ? c : {}; });
  var grid = rows.map(function () { return new Array(columns.length).fill(null); });
  list(data.cells).forEach(function (cell) {
    var r = cell && cell.row, c = cell && cell.column;
    if (Number.isInteger(r) && Number.isInteger(c) && r >= 0 && r < rows.length && c >= 0 && c < columns.length) {
      grid[r][c] = cell;
    }
  });

  // header: mode, size, legend with the summary's counts
  var mode = data.mesh && data.mesh.outboundTrafficPolicy;
  document.getElementById('meta').textContent = rows.length + ' workloads \u00d7 ' + columns.length +
      ' destinations; mesh outboundTrafficPolicy: ' + (mode ? text(mode) : 'not given');
  document.title = 'Egress matrix: ' + rows.length + ' \u00d7 ' + columns.length;
  var summary = data.summary && typeof data.summary === 'object' ? data.summary : {};
  var unknown = 0;
  grid.forEach(function (cells) { cells.forEach(function (cell) { if (!cell || !known(cell.outcome)) { unknown++; } }); });
  var legend = document.getElementById('legend');
  function legendItem(name, count) {
    var li = el('li');
    li.dataset.outcome = name;
    li.appendChild(el('span', 'swatch ' + cls(name), glyph(name)));
    li.appendChild(el('span', 'label', known(name) ? OUTCOMES[name].label : 'unknown or missing'));
    li.appendChild(el('span', 'count', '(' + text(count) + ')'));
    legend.appendChild(li);
  }
  ORDER.forEach(function (name) {
    var count = summary[OUTCOMES[name].summary];
    if (typeof count !== 'number') {
      count = 0;
      grid.forEach(function (cells) { cells.forEach(function (cell) { if (cell && cell.outcome === name) { count++; } }); });
    }
    legendItem(name, count);
  });
  if (unknown > 0) { legendItem('unknown', unknown); }

  // the grid
  var table = document.getElementById('grid');
  var thead = el('thead'), head = el('tr');
  head.appendChild(el('th', 'corner', 'workload \u2192 destination'));
  columns.forEach(function (col, c) {
    var th = el('th', 'col');
    th.scope = 'col';
    th.title = columnName(c) + (col.protocol ? ' (' + text(col.protocol) + ')' : '') +
        list(col.declaredBy).map(function (d) { return '\ndeclared by ' + text(d); }).join('');
    th.appendChild(el('span', '', columnName(c)));
    head.appendChild(th);
  });
  thead.appendChild(head);
  table.appendChild(thead);
  var tbody = el('tbody');
  rows.forEach(function (row, r) {
    var tr = el('tr');
    var th = el('th', 'row', rowName(r));
    th.scope = 'row';
    th.title = rowName(r) + labelsOf(row).map(function (l) { return '\n' + l; }).join('');
    tr.appendChild(th);
    grid[r].forEach(function (cell, c) {
      var outcome = cell ? cell.outcome : 'missing';
      var td = el('td', 'cell ' + cls(outcome), glyph(outcome));
      td.dataset.row = r;
      td.dataset.column = c;
      td.tabIndex = 0;
      td.title = rowName(r) + ' \u2192 ' + columnName(c) + '\n' + label(outcome) +
          (cell && cell.policy ? ' (' + text(cell.policy) + ')' : '') + ': ' + (cell ? text(cell.reason) : 'no cell in the input');
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);

  // filters: a row or column stays when its name, labels or protocol contain the text
  var rowFilter = document.getElementById('filter-rows'), columnFilter = document.getElementById('filter-columns');
  function filter() {
    var rq = rowFilter.value.trim().toLowerCase(), cq = columnFilter.value.trim().toLowerCase();
    var rowShown = rows.map(function (row, r) {
      return (rowName(r) + ' ' + labelsOf(row).join(' ')).toLowerCase().indexOf(rq) >= 0;
    });
    var columnShown = columns.map(function (col, c) {
      return (columnName(c) + ' ' + text(col.protocol)).toLowerCase().indexOf(cq) >= 0;
    });
    Array.prototype.forEach.call(tbody.rows, function (tr, r) { tr.hidden = !rowShown[r]; });
    Array.prototype.forEach.call(table.rows, function (tr) {
      for (var c = 0; c < columns.length; c++) { tr.cells[c + 1].hidden = !columnShown[c]; }
    });
    document.getElementById('shown').textContent = 'showing ' + rowShown.filter(Boolean).length + ' of ' +
        rows.length + ' workloads, ' + columnShown.filter(Boolean).length + ' of ' + columns.length + ' destinations';
  }
  rowFilter.addEventListener('input', filter);
  columnFilter.addEventListener('input', filter);
  filter();

  // details: a click sets #cell=ROW,COLUMN, so a detail view can be linked to and reopened
  var detail = document.getElementById('detail');
  function open(td) { location.hash = 'cell=' + td.dataset.row + ',' + td.dataset.column; }
  table.addEventListener('click', function (e) {
    var td = e.target.closest('td.cell');
    if (td) { open(td); }
  });
  table.addEventListener('keydown', function (e) {
    var td = e.target.closest('td.cell');
    if (td && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(td); }
  });
  function close() {
    try {
      history.pushState(null, '', location.pathname + location.search);
    } catch (ignored) {
      location.hash = '';
    }
    show();
  }
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !detail.hidden) { close(); } });

  function section(title) { detail.appendChild(el('h3', '', title)); }
  function pairs(entries) {
    var dl = el('dl');
    entries.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === '') { return; }
      dl.appendChild(el('dt', '', p[0]));
      dl.appendChild(el('dd', p[2] || '', p[1]));
    });
    detail.appendChild(dl);
  }
  function items(tag, values, className) {
    var l = el(tag);
    values.forEach(function (v) { l.appendChild(el('li', className, v)); });
    detail.appendChild(l);
  }
  function show() {
    var previous = table.querySelector('td.selected');
    if (previous) { previous.classList.remove('selected'); }
    var m = /^#cell=(\d+),(\d+)$/.exec(location.hash);
    var r = m ? Number(m[1]) : -1, c = m ? Number(m[2]) : -1;
    if (!(r < rows.length && c < columns.length && r >= 0 && c >= 0)) {
      detail.hidden = true;
      detail.replaceChildren();
      return;
    }
    var cell = grid[r][c] || {}, row = rows[r], col = columns[c];
    var outcome = grid[r][c] ? cell.outcome : 'missing';
    detail.replaceChildren();
    detail.dataset.row = r;
    detail.dataset.column = c;
    var button = el('button', 'close', 'Close');
    button.type = 'button';
    button.addEventListener('click', close);
    detail.appendChild(button);
    detail.appendChild(el('h2', '', rowName(r) + ' \u2192 ' + columnName(c)));
    var verdict = el('p');
    verdict.appendChild(el('span', 'outcome ' + cls(outcome), glyph(outcome) + ' ' + label(outcome)));
    detail.appendChild(verdict);
    pairs([['reason', text(cell.reason)], ['policy', cell.policy ? text(cell.policy) : 'none', 'mono']]);
    var conditions = list(cell.conditions);
    if (conditions.length > 0) {
      section('Conditions');
      var ul = el('ul', 'conditions');
      conditions.forEach(function (k) {
        k = k && typeof k === 'object' ? k : {};
        var li = el('li');
        li.appendChild(el('span', 'swatch ' + cls(k.outcome), glyph(k.outcome)));
        li.appendChild(document.createTextNode(' ' + label(k.outcome) + ' when ' + text(k.when) +
            (k.policy ? ' (policy ' + text(k.policy) + ')' : '')));
        ul.appendChild(li);
      });
      detail.appendChild(ul);
    }
    section('Hops');
    var hops = list(cell.hops);
    if (hops.length > 0) { items('ol', hops.map(text), 'mono hop'); } else { detail.appendChild(el('p', '', 'none given')); }
    section('Workload');
    pairs([['namespace', text(row.namespace)], ['service account', text(row.serviceAccount)],
      ['labels', labelsOf(row).join(', ') || 'none', 'mono']]);
    if (list(row.mentionedBy).length > 0) {
      detail.appendChild(el('p', 'sub', 'a row because of'));
      items('ul', list(row.mentionedBy).map(text), 'mono');
    }
    section('Destination');
    pairs([['host', text(col.host)], ['port', text(col.port)], ['protocol', text(col.protocol)]]);
    if (list(col.declaredBy).length > 0) {
      detail.appendChild(el('p', 'sub', 'declared by'));
      items('ul', list(col.declaredBy).map(text), 'mono');
    }
    detail.hidden = false;
    var td = tbody.rows[r].cells[c + 1];
    td.classList.add('selected');
    td.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }
  window.addEventListener('hashchange', show);
  show();
  document.documentElement.dataset.rendered = 'true';
}());
