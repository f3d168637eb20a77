// Rows of a "table" form field (webapp/templates/forms/_table_field.html): add and remove rows.
// Plain script, loaded with defer (the CSP allows no inline script). Without it the page still
// works: it offers spare empty rows, and empty rows are left out when the form is sent.
(function () {
  'use strict';

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function say(box, text) {
    var status = box.querySelector('[data-table-status]');
    if (status) {
      status.textContent = '';
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  // Names, ids and labels follow the row's position: field-targets-2-goal is row 3's goal.
  function renumber(box) {
    var field = box.getAttribute('data-table-field');
    var rows = box.querySelectorAll('tbody tr[data-row]');
    rows.forEach(function (row, index) {
      row.querySelectorAll('input, select').forEach(function (input) {
        var column = input.name.slice(input.name.lastIndexOf('-') + 1);
        var label = row.querySelector('label[for="' + input.id + '"]');
        input.name = field + '-' + index + '-' + column;
        input.id = 'field-' + field + '-' + index + '-' + column;
        if (label) {
          label.htmlFor = input.id;
          label.textContent = fill(box.getAttribute('data-cell-label'), {
            row: index + 1, column: label.getAttribute('data-column-label'),
          });
        }
      });
      var remove = row.querySelector('[data-remove-row]');
      if (remove) {
        remove.textContent = fill(box.getAttribute('data-remove-label'), { row: index + 1 });
      }
    });
  }

  function addRow(box) {
    var body = box.querySelector('tbody');
    var rows = body.querySelectorAll('tr[data-row]');
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll('input').forEach(function (input) {
      input.value = '';
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
    });
    copy.querySelectorAll('select').forEach(function (select) {
      select.selectedIndex = 0;
      select.removeAttribute('aria-invalid');
      select.removeAttribute('aria-describedby');
    });
    copy.querySelectorAll('.field-error').forEach(function (node) { node.remove(); });
    body.appendChild(copy);
    renumber(box);
    var count = body.querySelectorAll('tr[data-row]').length;
    var first = copy.querySelector('input, select');
    if (first) {
      first.focus();
    }
    say(box, fill(box.getAttribute('data-added'), { row: count }));
  }

  function removeRow(box, row) {
    var body = box.querySelector('tbody');
    var rows = Array.prototype.slice.call(body.querySelectorAll('tr[data-row]'));
    var index = rows.indexOf(row);
    if (rows.length === 1) {
      // the last row is emptied, not removed: the table keeps a row to type into
      addRow(box);
    }
    row.remove();
    renumber(box);
    var left = body.querySelectorAll('tr[data-row]');
    var next = left[Math.min(index, left.length - 1)];
    var target = next ? next.querySelector('[data-remove-row]') : box.querySelector('[data-add-row]');
    if (target) {
      target.focus();
    }
    say(box, fill(box.getAttribute('data-removed'), { count: left.length }));
  }

  function enhance(box) {
    box.querySelectorAll('[data-js-only]').forEach(function (node) { node.hidden = false; });
    box.addEventListener('click', function (event) {
      var button = event.target.closest('button');
      if (!button || !box.contains(button)) {
        return;
      }
      if (button.hasAttribute('data-add-row')) {
        addRow(box);
      } else if (button.hasAttribute('data-remove-row')) {
        removeRow(box, button.closest('tr'));
      }
    });
  }

  document.querySelectorAll('[data-table-field]').forEach(enhance);
}());
