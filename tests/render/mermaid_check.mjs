// Read Mermaid texts (a JSON list on stdin) with Mermaid's own parser, as a browser would,
// and print what it understood: per text, the nodes and their labels (flowcharts) or the
// tasks (Gantt charts), or the parse error. Run by tests/render/test_diagram_mermaid.py.
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const text of JSON.parse(input)) {
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const read = { ok: true, type: diagram.type };
    if (db.getVertices) {
      const vertices = db.getVertices();
      const entries = vertices instanceof Map ? [...vertices.entries()] : Object.entries(vertices);
      read.nodes = Object.fromEntries(entries.map(([id, v]) => [id, { text: v.text, classes: v.classes }]));
      read.edges = db.getEdges().length;
    }
    if (db.getTasks) {
      read.tasks = db.getTasks().map((t) => ({ task: t.task, section: t.section }));
    }
    out.push(read);
  } catch (e) {
    out.push({ ok: false, error: String((e && e.message) || e).slice(0, 500) });
  }
}
console.log(JSON.stringify(out));
