// viewer.js draws the report's flow graph with Cytoscape.js and shows a
// node's transaction, outputs and taint when it is clicked. The data is
// the report's graph (see the package documentation of trace/report),
// embedded in the page as JSON; nothing is fetched. The panel is built
// with DOM calls and textContent only, so labels from the data can never
// become markup.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('plume-graph').textContent);
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  var colors = { held: '#c0392b', dormant: '#6c1a12', exit: '#e67e22', beyond: '#7f8c8d' };

  // btc writes satoshi exactly: every amount is an integer below 2^53.
  function btc(sat) {
    var sign = sat < 0 ? '-' : '';
    var a = Math.abs(sat);
    var frac = String(a % 1e8);
    while (frac.length < 8) { frac = '0' + frac; }
    return sign + Math.floor(a / 1e8) + '.' + frac;
  }
  function pct(s) { return (s === undefined || s === null) ? '–' : (s * 100).toFixed(2) + ' %'; }
  function mix(share) {
    // From a pale grey (clean) to the held red (all stolen).
    var s = Math.max(0, Math.min(1, share || 0));
    var a = [0xec, 0xf0, 0xf1], b = [0xc0, 0x39, 0x2b];
    return 'rgb(' + a.map(function (x, i) { return Math.round(x + (b[i] - x) * s); }).join(',') + ')';
  }
  function size(value) { return 22 + 6 * Math.log10(1 + value / 1e6); }

  var elements = [];
  data.nodes.forEach(function (n) {
    var color = n.kind === 'tx' ? mix(n.share) : colors[n.kind] || '#999';
    elements.push({ group: 'nodes', data: { id: n.id, label: n.label, kind: n.kind, seed: !!n.seed, color: color, size: size(n.value) },
      position: { x: n.x, y: n.y } });
  });
  data.edges.forEach(function (e) {
    var share = e.value > 0 && e.taint !== undefined ? e.taint / e.value : 0;
    elements.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target,
      width: 1 + 1.2 * Math.log10(1 + e.value / 1e6), color: share > 0 ? mix(0.25 + 0.75 * share) : '#bdc3c7' } });
  });

  var cy = cytoscape({
    container: document.getElementById('cy'),
    elements: elements,
    layout: { name: 'preset', fit: true, padding: 30 },
    minZoom: 0.02,
    maxZoom: 4,
    style: [
      { selector: 'node', style: { 'label': 'data(label)', 'font-size': 10, 'text-valign': 'bottom', 'text-margin-y': 3,
        'width': 'data(size)', 'height': 'data(size)', 'background-color': 'data(color)', 'border-width': 1,
        'border-color': '#555', 'text-wrap': 'wrap', 'text-max-width': 100, 'min-zoomed-font-size': 6 } },
      { selector: 'node[kind = "tx"]', style: { 'shape': 'round-rectangle' } },
      { selector: 'node[kind = "exit"]', style: { 'shape': 'diamond' } },
      { selector: 'node[kind = "beyond"]', style: { 'shape': 'round-tag', 'border-style': 'dashed' } },
      { selector: 'node[?seed]', style: { 'border-width': 4, 'border-color': '#2c3e50' } },
      { selector: 'node:selected', style: { 'border-width': 5, 'border-color': '#2980b9' } },
      { selector: 'edge', style: { 'width': 'data(width)', 'curve-style': 'bezier', 'line-color': 'data(color)',
        'target-arrow-shape': 'triangle', 'target-arrow-color': 'data(color)', 'arrow-scale': 0.8 } }
    ]
  });

  var panel = document.getElementById('details');

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function facts(rows) {
    var dl = el('dl');
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === '') { return; }
      dl.appendChild(el('dt', r[0]));
      dl.appendChild(el('dd', r[1], r[2]));
    });
    return dl;
  }
  // link makes a button that selects another node.
  function link(text, id) {
    var b = el('button', text);
    b.type = 'button';
    b.addEventListener('click', function () { select(id); });
    return b;
  }

  function showTx(n) {
    panel.appendChild(el('h4', n.seed ? 'Seed transaction' : 'Transaction'));
    var tt = n.tx_taint;
    panel.appendChild(facts([
      ['txid', n.txid, 'mono txid'],
      ['block', n.block.height + ' (' + n.block.time.replace('T', ' ').replace('Z', ' UTC') + ')'],
      ['hop', n.hop],
      ['inputs', n.inputs],
      ['outputs', btc(n.value) + ' BTC'],
      ['fee', n.fee !== undefined ? btc(n.fee) + ' BTC' : 'unknown'],
      ['stolen out', n.taint !== undefined ? btc(n.taint) + ' BTC (' + pct(n.share) + ')' : undefined],
      ['stolen in', tt ? btc(tt.in) + ' BTC' : undefined],
      ['stolen fee', tt ? btc(tt.fee) + ' BTC' : undefined],
      ['put in by seeds', tt && tt.injected ? btc(tt.injected) + ' BTC' : undefined],
      ['swept in (poison)', tt && tt.absorbed ? btc(tt.absorbed) + ' BTC' : undefined]
    ]));
    var t = el('table');
    var head = el('tr');
    ['#', 'address', 'BTC', 'stolen', 'to'].forEach(function (h) { head.appendChild(el('th', h)); });
    t.appendChild(el('thead')).appendChild(head);
    var body = t.appendChild(el('tbody'));
    (n.outputs || []).forEach(function (o) {
      var tr = el('tr');
      tr.appendChild(el('td', o.vout, 'num'));
      tr.appendChild(el('td', o.address, 'mono'));
      tr.appendChild(el('td', btc(o.value), 'num'));
      tr.appendChild(el('td', o.taint !== undefined ? btc(o.taint) : '–', 'num'));
      var to = el('td');
      if (o.node) { to.appendChild(link(o.to, o.node)); } else { to.textContent = o.to; }
      tr.appendChild(to);
      body.appendChild(tr);
    });
    panel.appendChild(t);
    if (n.more_outputs) { panel.appendChild(el('p', 'and ' + n.more_outputs + ' more outputs (see the JSON report)', 'empty')); }
  }

  function showOut(n) {
    var titles = { held: 'Held output', dormant: 'Dormant output', exit: 'Exit', beyond: 'Output spent beyond the trace' };
    panel.appendChild(el('h4', titles[n.kind] || n.kind));
    panel.appendChild(facts([
      ['output', n.txid + ':' + n.vout, 'mono txid'],
      ['address', n.address, 'mono'],
      ['exit', n.exit],
      ['value', btc(n.value) + ' BTC'],
      ['stolen', n.taint !== undefined ? btc(n.taint) + ' BTC (' + pct(n.share) + ')' : undefined],
      ['block', n.block.height + ' (' + n.block.time.replace('T', ' ').replace('Z', ' UTC') + ')'],
      ['hop', n.hop]
    ]));
    var tx = cy.$id(n.id).incomers('node');
    if (tx.length) { panel.appendChild(link('its transaction', tx[0].id())); }
  }

  function show(id) {
    var n = byId[id];
    panel.textContent = '';
    if (!n) { return; }
    if (n.kind === 'tx') { showTx(n); } else { showOut(n); }
  }

  function select(id) {
    var node = cy.$id(id);
    if (node.empty()) { return; }
    cy.elements().unselect();
    node.select();
    cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 0.8) }, { duration: 250 });
    show(id);
  }

  cy.on('tap', 'node', function (ev) { show(ev.target.id()); });

  document.getElementById('fit').addEventListener('click', function () { cy.fit(undefined, 30); });
  document.getElementById('zoom-in').addEventListener('click', function () { cy.zoom({ level: cy.zoom() * 1.4, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); });
  document.getElementById('zoom-out').addEventListener('click', function () { cy.zoom({ level: cy.zoom() / 1.4, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); });
  document.querySelectorAll('[data-node]').forEach(function (row) {
    var go = function () { document.getElementById('flow').scrollIntoView(); select(row.getAttribute('data-node')); };
    row.addEventListener('click', go);
    row.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { go(); } });
  });

  // For the curious and for the browser test: the graph and the panel.
  window.plumeReport = { cy: cy, select: select, show: show };
  window.cy = cy;
}());
