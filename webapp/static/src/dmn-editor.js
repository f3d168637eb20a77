// The DMN editor page: dmn-js (decision requirements diagram and decision tables), drafts,
// the server's check and deployment together with the process that uses the table.
import DmnModeler from 'dmn-js/lib/Modeler';

import { announce } from './common';
import { germanModules } from './translate-de';
import { EditorPage, format, startEditorPage } from './editor-page';

class DmnEditor extends EditorPage {
  constructor(config) {
    super(config);
    this.useModeler(new DmnModeler({
      container: '#designer-canvas',
      drd: { additionalModules: germanModules() },
      decisionTable: { additionalModules: germanModules() },
      literalExpression: { additionalModules: germanModules() },
    }));
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
    this.markReady();
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
    this.summarizeProblems(problems);
  }
}

startEditorPage((config) => new DmnEditor(config));
