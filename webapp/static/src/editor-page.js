// What the designer and the DMN editor pages share: the configuration, drafts, the server's check,
// deployment, download, the problem list and the toolbar buttons. Each page supplies its modeler,
// how it opens the diagram and how it shows the problems.
import { announce, postJson, readConfig } from './common';

/** Fill a gettext-style template: "%(name)s" becomes values.name. */
export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => (values[name] ?? ''));
}

// "1 Probleme" reads wrong: a label may have a "<key>_one" form for a count of one
export function counted(labels, key, count) {
  const template = count === 1 && labels[`${key}_one`] ? labels[`${key}_one`] : labels[key];
  return format(template, { count });
}

export class EditorPage {
  constructor(config) {
    this.config = config;
    this.labels = config.labels;
    this.status = document.getElementById('designer-status');
    this.problemList = document.getElementById('designer-problems');
    this.problemSummary = document.getElementById('designer-problem-summary');
    this.basedOn = config.based_on_version;
    // the draft this editor started from: saving over a draft someone else saved since is refused
    this.draftSavedAt = config.draft_saved_at;
  }

  /** Subclasses call this once their modeler exists. */
  useModeler(modeler) {
    this.modeler = modeler;
    window.fallwerkModeler = modeler;
  }

  /** The page is ready for the browser tests (and the user) once the diagram is imported. */
  markReady() {
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
    const message = errors ? counted(this.labels, 'check_failed', errors) : this.labels.check_ok;
    announce(this.status, message, errors ? 'error' : 'success');
  }

  async deploy() {
    const { status, body } = await this.request(this.config.urls.deploy);
    if (status === 201) {
      this.draftSavedAt = '';
      this.showProblems(body.warnings || []);
      const deployed = body.deployed.map((d) => `${d.key} v${d.version}`).join(', ');
      const text = body.deployed.some((d) => d.created) ? this.labels.deployed : this.labels.unchanged;
      announce(this.status, format(text, { deployed }), 'success');
      this.deployed(body.deployed);
    } else if (status === 422) {
      this.showProblems(body.errors || []);
      announce(this.status, this.labels.deploy_refused, 'error');
    } else {
      this.failed(status, body);
    }
  }

  /** Called after a successful deployment with the server's list of deployed definitions. */
  // eslint-disable-next-line no-unused-vars
  deployed(definitions) {}

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

  /** The line above the problem list: how many problems, or none. */
  summarizeProblems(problems) {
    this.problemSummary.textContent = problems.length
      ? counted(this.labels, 'problem_count', problems.length)
      : this.labels.no_problems;
  }
}

/** Disable the button while its action runs; with ariaBusy, mark it aria-busy meanwhile too. */
function busy(button, action, ariaBusy) {
  return async () => {
    button.disabled = true;
    if (ariaBusy) {
      button.setAttribute('aria-busy', 'true');
    }
    try {
      await action();
    } finally {
      button.disabled = false;
      if (ariaBusy) {
        button.removeAttribute('aria-busy');
      }
    }
  };
}

/**
 * Start an editor page: read the configuration, create the page with makePage(config),
 * bind the toolbar buttons and open the diagram. Returns the page, or null without configuration.
 */
export function startEditorPage(makePage, { ariaBusy = false } = {}) {
  const config = readConfig('designer-config');
  if (!config) {
    return null;
  }
  const page = makePage(config);
  const bind = (id, action) => {
    const button = document.getElementById(id);
    if (button) {
      button.addEventListener('click', busy(button, action, ariaBusy));
    }
  };
  bind('designer-save', () => page.saveDraft());
  bind('designer-check', () => page.check());
  bind('designer-deploy', () => page.deploy());
  bind('designer-download', () => page.download());
  page.open();
  return page;
}
