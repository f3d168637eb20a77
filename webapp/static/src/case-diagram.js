// Read-only diagrams: a case's progress on its own version, and two versions compared.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import { announce, getJson, mark, readConfig } from './common';
import { germanModules } from './translate-de';

const REACHED = ['completed', 'active', 'waiting', 'failed'];

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => (values[name] ?? ''));
}

/** Sequence flows on the completed path: from a completed element to one the case reached. */
function completedFlows(registry, state) {
  const done = new Set(state.completed);
  const reached = new Set(REACHED.flatMap((kind) => state[kind] || []));
  return registry
    .filter((element) => element.type === 'bpmn:SequenceFlow')
    .filter((flow) => flow.source && flow.target && done.has(flow.source.id) && reached.has(flow.target.id))
    .map((flow) => flow.id);
}

/** What people call the element: its name, else its kind ("Verzweigung"), never its id. */
function elementName(registry, id, labels) {
  const element = registry.get(id);
  const name = element && element.businessObject && (element.businessObject.name || '').trim();
  if (name) {
    return name;
  }
  const type = (element && element.type) || '';
  if (type.endsWith('Gateway')) {
    return labels.unnamed_gateway;
  }
  if (type === 'bpmn:StartEvent') {
    return labels.unnamed_start;
  }
  if (type === 'bpmn:EndEvent') {
    return labels.unnamed_end;
  }
  return type.endsWith('Event') ? labels.unnamed_event : labels.unnamed_step;
}

class CaseDiagram {
  constructor(config) {
    this.config = config;
    this.labels = config.labels;
    this.details = document.getElementById('case-diagram-details');
    this.viewer = new NavigatedViewer({ container: '#case-diagram', additionalModules: germanModules() });
    window.fallwerkViewer = this.viewer;
  }

  async open() {
    const container = document.getElementById('case-diagram');
    try {
      const state = await getJson(this.config.state_url);
      await this.viewer.importXML(state.xml);
      this.viewer.get('canvas').zoom('fit-viewport', 'auto');
      this.show(state);
      container.setAttribute('data-ready', 'true');
    } catch (err) {
      announce(this.details, format(this.labels.load_failed, { message: err.message }), 'error');
      container.setAttribute('data-ready', 'error');
    }
  }

  show(state) {
    const canvas = this.viewer.get('canvas');
    const registry = this.viewer.get('elementRegistry');
    for (const kind of REACHED) {
      mark(canvas, registry, state[kind], `fw-${kind}`);
    }
    mark(canvas, registry, completedFlows(registry, state), 'fw-completed');
    const clickable = new Set(REACHED.flatMap((kind) => state[kind] || []));
    for (const id of clickable) {
      if (registry.get(id)) {
        canvas.addMarker(id, 'fw-clickable');
      }
    }
    this.viewer.get('eventBus').on('element.click', (event) => {
      if (clickable.has(event.element.id)) {
        this.showHistory(event.element.id);
      }
    });
    this.fillList(state, registry);
  }

  /** The same state as text: one button per element, so keyboard and screen-reader users get it too. */
  fillList(state, registry) {
    const list = document.getElementById('case-diagram-elements');
    if (!list) {
      return;
    }
    list.textContent = '';
    for (const kind of REACHED) {
      for (const id of state[kind] || []) {
        const element = registry.get(id);
        if (!element || element.type === 'bpmn:SequenceFlow') {
          continue;
        }
        // an unnamed gateway is routing, not a step anyone took: the diagram shows it, the list does not
        if (element.type.endsWith('Gateway') && !(element.businessObject.name || '').trim()) {
          continue;
        }
        const item = document.createElement('li');
        item.setAttribute('data-element-id', id);
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'button button--quiet';
        button.textContent = `${this.labels[kind]}: ${elementName(registry, id, this.labels)}`;
        button.addEventListener('click', () => this.showHistory(id));
        item.appendChild(button);
        list.appendChild(item);
      }
    }
  }

  showHistory(elementId) {
    const registry = this.viewer.get('elementRegistry');
    const canvas = this.viewer.get('canvas');
    if (this.selected) {
      canvas.removeMarker(this.selected, 'fw-selected-element');
    }
    this.selected = elementId;
    canvas.addMarker(elementId, 'fw-selected-element');
    const rows = Array.from(document.querySelectorAll('[data-history-element]'));
    const matching = rows.filter((row) => row.getAttribute('data-history-element') === elementId);
    for (const row of rows) {
      row.classList.toggle('history-row--highlight', matching.includes(row));
    }
    this.details.textContent = '';
    const heading = document.createElement('h3');
    heading.textContent = format(this.labels.history_for, { name: elementName(registry, elementId, this.labels) });
    this.details.appendChild(heading);
    if (!matching.length) {
      const none = document.createElement('p');
      none.className = 'muted';
      none.textContent = this.labels.no_history;
      this.details.appendChild(none);
      return;
    }
    const list = document.createElement('ul');
    list.className = 'fw-history-list';
    for (const row of matching) {
      const item = document.createElement('li');
      item.textContent = Array.from(row.querySelectorAll('td'))
        .slice(0, 3)
        .map((cell) => cell.textContent.trim())
        .join(' – ');
      list.appendChild(item);
    }
    this.details.appendChild(list);
  }
}

async function showDiff(config) {
  const sides = [
    ['#diff-old', config.old_xml, { removed: 'fw-diff-removed', changed: 'fw-diff-changed' }],
    ['#diff-new', config.new_xml, { added: 'fw-diff-added', changed: 'fw-diff-changed' }],
  ];
  const viewers = [];
  for (const [selector, xml, markers] of sides) {
    const viewer = new NavigatedViewer({ container: selector, additionalModules: germanModules() });
    await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport', 'auto');
    for (const [kind, marker] of Object.entries(markers)) {
      mark(viewer.get('canvas'), viewer.get('elementRegistry'), config[kind].map((e) => e.id), marker);
    }
    document.querySelector(selector).setAttribute('data-ready', 'true');
    viewers.push(viewer);
  }
  window.fallwerkDiffViewers = viewers;
}

const caseConfig = readConfig('case-diagram-config');
if (caseConfig) {
  new CaseDiagram(caseConfig).open();
}
const diffConfig = readConfig('diff-config');
if (diffConfig) {
  showDiff(diffConfig);
}
