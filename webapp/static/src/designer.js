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
import { announce, postJson, readConfig } from './common';

const LINT_MARKERS = { error: 'fw-lint-error', warning: 'fw-lint-warning' };

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => (values[name] ?? ''));
}

class Designer {
  constructor(config) {
    this.config = config;
    this.labels = config.labels;
    this.status = document.getElementById('designer-status');
    this.problemList = document.getElementById('designer-problems');
    this.problemSummary = document.getElementById('designer-problem-summary');
    this.marked = [];
    this.basedOn = config.based_on_version;
    // the draft this editor started from: saving over a draft someone else saved since is refused
    this.draftSavedAt = config.draft_saved_at;
    this.modeler = new BpmnModeler({
      container: '#designer-canvas',
      propertiesPanel: { parent: '#designer-properties' },
      additionalModules: [
        BpmnPropertiesPanelModule,
        BpmnPropertiesProviderModule,
        CamundaPlatformPropertiesProviderModule,
        CamundaBehaviorsModule,
        lintModule,
        FallwerkPropertiesModule,
      ],
      moddleExtensions: { camunda: camundaModdle },
      linting: { bpmnlint: lintConfig, active: true },
      fallwerk: { labels: config.properties_labels },
    });
    window.fallwerkModeler = this.modeler;
  }

  async open() {
    try {
      const { warnings } = await this.modeler.importXML(this.config.xml);
      this.modeler.get('canvas').zoom('fit-viewport', 'auto');
      if (warnings.length) {
        announce(this.status, format(this.labels.import_warnings, { count: warnings.length }), 'info');
      }
    } catch (err) {
      announce(this.status, format(this.labels.import_failed, { message: err.message }), 'error');
    }
    document.getElementById('designer-ready').setAttribute('data-ready', 'true');
  }

  async xml() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  async payload() {
    return {
      file_name: this.config.file_name,
      xml: await this.xml(),
      based_on_version: this.basedOn,
      draft_saved_at: this.draftSavedAt,
    };
  }

  async saveDraft() {
    const { status, body } = await postJson(this.config.urls.save, await this.payload(), this.config.csrf_token);
    if (status === 200) {
      this.draftSavedAt = body.saved_at;
      announce(this.status, format(this.labels.draft_saved, body), 'success');
    } else {
      this.failed(status, body);
    }
  }

  async check() {
    const { status, body } = await postJson(this.config.urls.validate, await this.payload(), this.config.csrf_token);
    if (status !== 200) {
      this.failed(status, body);
      return;
    }
    this.showProblems(body.problems);
    const errors = body.problems.filter((p) => p.severity === 'error').length;
    const message = errors ? format(this.labels.check_failed, { count: errors }) : this.labels.check_ok;
    announce(this.status, message, errors ? 'error' : 'success');
  }

  async deploy() {
    const { status, body } = await postJson(this.config.urls.deploy, await this.payload(), this.config.csrf_token);
    if (status === 201) {
      this.draftSavedAt = '';
      this.showProblems(body.warnings || []);
      const deployed = body.deployed.map((d) => `${d.key} v${d.version}`).join(', ');
      const text = body.deployed.some((d) => d.created) ? this.labels.deployed : this.labels.unchanged;
      announce(this.status, format(text, { deployed }), 'success');
      const mine = body.deployed.find((d) => d.key === this.config.key);
      if (mine) {
        this.basedOn = mine.version;
        const version = document.getElementById('designer-version');
        if (version) {
          version.textContent = String(mine.version);
        }
      }
    } else if (status === 422) {
      this.showProblems(body.errors || []);
      announce(this.status, this.labels.deploy_refused, 'error');
    } else {
      this.failed(status, body);
    }
  }

  async download() {
    const blob = new Blob([await this.xml()], { type: 'application/xml' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = this.config.file_name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  failed(status, body) {
    const message = (body && (body.message || body.error)) || String(status);
    announce(this.status, format(this.labels.request_failed, { message }), 'error');
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
      const severity = problem.severity === 'error' ? this.labels.error : this.labels.warning;
      const text = document.createElement('span');
      text.textContent = `${severity}: ${problem.element_id ? problem.element_id + ' – ' : ''}${problem.message}`;
      item.appendChild(text);
      if (element) {
        item.appendChild(document.createTextNode(' '));
        item.appendChild(this.selectButton(element));
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
      badge.title = format(this.labels.problems_here, { count: entry.count });
      badge.addEventListener('click', () => this.select(registry.get(id)));
      overlays.add(id, 'fw-lint', { position: { top: -10, right: 10 }, html: badge });
    }
    this.problemSummary.textContent = problems.length
      ? format(this.labels.problem_count, { count: problems.length })
      : this.labels.no_problems;
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

function busy(button, action) {
  return async () => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await action();
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };
}

const config = readConfig('designer-config');
if (config) {
  const designer = new Designer(config);
  window.fallwerkDesigner = designer;
  const bind = (id, action) => {
    const button = document.getElementById(id);
    if (button) {
      button.addEventListener('click', busy(button, action));
    }
  };
  bind('designer-save', () => designer.saveDraft());
  bind('designer-check', () => designer.check());
  bind('designer-deploy', () => designer.deploy());
  bind('designer-download', () => designer.download());
  designer.open();
}
