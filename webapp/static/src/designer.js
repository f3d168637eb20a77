// The process designer page: bpmn-js modeler with the Camunda 7 properties panel, drafts,
// the server's check shown on the diagram, deployment and download.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import lintModule from 'bpmn-js-bpmnlint';

import lintConfig from './lint-config';
import FallwerkPropertiesModule from './fallwerk-properties';
import { germanModules } from './translate-de';
import { announce } from './common';
import { EditorPage, counted, format, startEditorPage } from './editor-page';

const LINT_MARKERS = { error: 'fw-lint-error', warning: 'fw-lint-warning' };

class Designer extends EditorPage {
  constructor(config) {
    super(config);
    this.marked = [];
    this.useModeler(new BpmnModeler({
      container: '#designer-canvas',
      propertiesPanel: { parent: '#designer-properties' },
      additionalModules: [
        BpmnPropertiesPanelModule,
        BpmnPropertiesProviderModule,
        CamundaPlatformPropertiesProviderModule,
        CamundaBehaviorsModule,
        lintModule,
        FallwerkPropertiesModule,
        ...germanModules(),
      ],
      moddleExtensions: { camunda: camundaModdle },
      linting: { bpmnlint: lintConfig, active: true },
      fallwerk: { labels: config.properties_labels },
    }));
  }

  async open() {
    try {
      const { warnings } = await this.modeler.importXML(this.config.xml);
      this.modeler.get('canvas').zoom('fit-viewport', 'auto');
      if (warnings.length) {
        announce(this.status, counted(this.labels, 'import_warnings', warnings.length), 'info');
      }
    } catch (err) {
      announce(this.status, format(this.labels.import_failed, { message: err.message }), 'error');
    }
    this.markReady();
  }

  deployed(definitions) {
    const mine = definitions.find((d) => d.key === this.config.key);
    if (mine) {
      this.basedOn = mine.version;
      const version = document.getElementById('designer-version');
      if (version) {
        version.textContent = String(mine.version);
      }
    }
  }

  clearProblems() {
    const canvas = this.modeler.get('canvas');
    for (const [id, marker] of this.marked) {
      canvas.removeMarker(id, marker);
    }
    this.marked = [];
    this.modeler.get('overlays').remove({ type: 'fw-lint' });
    this.problemList.textContent = '';
  }

  showProblems(problems) {
    this.clearProblems();
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    const overlays = this.modeler.get('overlays');
    const perElement = new Map();
    for (const problem of problems) {
      const element = problem.element_id ? registry.get(problem.element_id) : null;
      const item = document.createElement('li');
      item.className = `fw-problem--${problem.severity}`;
      item.setAttribute('data-element-id', problem.element_id || '');
      const severity = this.labels[problem.severity] || this.labels.error;
      const text = document.createElement('span');
      text.textContent = `${severity}: ${problem.element_id ? problem.element_id + ' – ' : ''}${problem.message}`;
      item.appendChild(text);
      if (element) {
        item.appendChild(document.createTextNode(' '));
        item.appendChild(this.selectButton(element));
      }
      // a translation (Camunda JUEL, cron, ...) is listed with the Python that runs, not marked as a problem
      if (element && problem.severity !== 'info') {
        const marker = LINT_MARKERS[problem.severity] || LINT_MARKERS.error;
        canvas.addMarker(element.id, marker);
        this.marked.push([element.id, marker]);
        const entry = perElement.get(element.id) || { count: 0, error: false };
        entry.count += 1;
        entry.error = entry.error || problem.severity === 'error';
        perElement.set(element.id, entry);
      }
      this.problemList.appendChild(item);
    }
    for (const [id, entry] of perElement) {
      const badge = document.createElement('div');
      badge.className = `fw-lint-badge${entry.error ? '' : ' fw-lint-badge--warning'}`;
      badge.textContent = String(entry.count);
      badge.title = counted(this.labels, 'problems_here', entry.count);
      badge.addEventListener('click', () => this.select(registry.get(id)));
      overlays.add(id, 'fw-lint', { position: { top: -10, right: 10 }, html: badge });
    }
    this.summarizeProblems(problems);
  }

  selectButton(element) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'fw-problem__select';
    const name = element.businessObject && element.businessObject.name;
    button.textContent = format(this.labels.select_element, { name: name || element.id });
    button.addEventListener('click', () => this.select(element));
    return button;
  }

  select(element) {
    if (!element) {
      return;
    }
    this.modeler.get('selection').select(element);
    this.modeler.get('canvas').scrollToElement(element);
    // the properties panel now shows the element: move the focus there so the fix is one Tab away
    const panel = document.getElementById('designer-properties');
    panel.focus();
  }
}

startEditorPage((config) => {
  const designer = new Designer(config);
  window.fallwerkDesigner = designer;
  return designer;
}, { ariaBusy: true });
