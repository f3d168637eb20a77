// The DMN editor page: dmn-js (decision requirements diagram and decision tables), drafts,
// the server's check and deployment together with the process that uses the table.
import DmnModeler from 'dmn-js/lib/Modeler';

import { announce, postJson, readConfig } from './common';

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => (values[name] ?? ''));
}

class DmnEditor {
  constructor(config) {
    this.config = config;
    this.labels = config.labels;
    this.status = document.getElementById('designer-status');
    this.problemList = document.getElementById('designer-problems');
    this.problemSummary = document.getElementById('designer-problem-summary');
    this.basedOn = config.based_on_version;
    // the draft this editor started from: saving over a draft someone else saved since is refused
    this.draftSavedAt = config.draft_saved_at;
    this.modeler = new DmnModeler({ container: '#designer-canvas' });
    window.fallwerkModeler = this.modeler;
  }

  async open() {
    try {
      await this.modeler.importXML(this.config.xml);
      // a single decision table is what designers edit most: open it instead of the DRD
      const views = this.modeler.getViews();
      const table = views.find((view) => view.type === 'decisionTable');
      if (table) {
        await this.modeler.open(table);
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

  async request(url) {
    return postJson(url, await this.payload(), this.config.csrf_token);
  }

  async saveDraft() {
    const { status, body } = await this.request(this.config.urls.save);
    if (status === 200) {
      this.draftSavedAt = body.saved_at;
      announce(this.status, format(this.labels.draft_saved, body), 'success');
    } else {
      this.failed(status, body);
    }
  }

  async check() {
    const { status, body } = await this.request(this.config.urls.validate);
    if (status !== 200) {
      this.failed(status, body);
      return;
    }
    this.showProblems(body.problems);
    const errors = body.problems.filter((p) => p.severity === 'error').length;
    announce(
      this.status,
      errors ? format(this.labels.check_failed, { count: errors }) : this.labels.check_ok,
      errors ? 'error' : 'success',
    );
  }

  async deploy() {
    const { status, body } = await this.request(this.config.urls.deploy);
    if (status === 201) {
      this.draftSavedAt = '';
      this.showProblems(body.warnings || []);
      const deployed = body.deployed.map((d) => `${d.key} v${d.version}`).join(', ');
      const text = body.deployed.some((d) => d.created) ? this.labels.deployed : this.labels.unchanged;
      announce(this.status, format(text, { deployed }), 'success');
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

  showProblems(problems) {
    this.problemList.textContent = '';
    for (const problem of problems) {
      const item = document.createElement('li');
      item.className = `fw-problem--${problem.severity}`;
      const severity = problem.severity === 'error' ? this.labels.error : this.labels.warning;
      const where = [problem.file, problem.element_id].filter(Boolean).join(': ');
      item.textContent = `${severity}: ${where ? where + ' – ' : ''}${problem.message}`;
      this.problemList.appendChild(item);
    }
    this.problemSummary.textContent = problems.length
      ? format(this.labels.problem_count, { count: problems.length })
      : this.labels.no_problems;
  }
}

const config = readConfig('designer-config');
if (config) {
  const editor = new DmnEditor(config);
  const bind = (id, action) => {
    const button = document.getElementById(id);
    if (button) {
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await action();
        } finally {
          button.disabled = false;
        }
      });
    }
  };
  bind('designer-save', () => editor.saveDraft());
  bind('designer-check', () => editor.check());
  bind('designer-deploy', () => editor.deploy());
  bind('designer-download', () => editor.download());
  editor.open();
}
