// The filter builder: edits an audience rule (the JSON of contacts/audience/rules.py) as
// nested groups of conditions. The rule lives in a hidden input; after every change the
// builder writes it back and fires "rule-changed" on the form, and htmx re-fetches the
// list and the count through the normal views, which validate it again.
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function Builder(root) {
    this.root = root;
    this.form = root.closest("form");
    this.input = this.form.querySelector("[data-rule-input]");
    this.schema = JSON.parse(document.getElementById(root.dataset.schema).textContent);
    this.labels = root.dataset;
    this.fields = {};
    var self = this;
    this.schema.fields.forEach(function (field) { self.fields[field.key] = field; });
    var rule;
    try { rule = JSON.parse(this.input.value || "{}"); } catch (error) { rule = {}; }
    this.state = this.normalise(rule);
    this.render();
  }

  Builder.prototype.normalise = function (node) {
    var self = this;
    if (node && (node.rules || node.match)) {
      return { match: node.match === "any" ? "any" : "all",
               rules: (node.rules || []).map(function (child) { return self.normalise(child); }) };
    }
    return { field: node.field || "", operator: node.operator || "", value: node.value === undefined ? "" : node.value };
  };

  Builder.prototype.operatorsFor = function (field) {
    return field ? (this.schema.operators[field.type] || []) : [];
  };

  Builder.prototype.operator = function (condition) {
    var field = this.fields[condition.field];
    return this.operatorsFor(field).filter(function (op) { return op.key === condition.operator; })[0];
  };

  // The rule as the server takes it: conditions still missing a value are left out.
  Builder.prototype.serialise = function (node) {
    var self = this;
    if (node.rules) {
      var rules = node.rules.map(function (child) { return self.serialise(child); })
        .filter(function (child) { return child !== null; });
      return { match: node.match, rules: rules };
    }
    var op = this.operator(node);
    if (!op) return null;
    var out = { field: node.field, operator: node.operator };
    if (op.value !== "none") {
      if (node.value === "" || node.value === null || (typeof node.value === "number" && isNaN(node.value))) return null;
      out.value = node.value;
    }
    return out;
  };

  Builder.prototype.changed = function () {
    var rule = this.serialise(this.state);
    rule.version = 1;
    var text = JSON.stringify(rule);
    this.input.value = text;
    document.querySelectorAll("[data-rule-copy]").forEach(function (copy) { copy.value = text; });
    var form = this.form;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      form.dispatchEvent(new CustomEvent("rule-changed", { bubbles: true }));
    }, 250);
  };

  Builder.prototype.render = function () {
    this.root.replaceChildren(this.renderGroup(this.state, null, 1));
  };

  Builder.prototype.renderGroup = function (group, parent, depth) {
    var self = this;
    var match = el("select", { "aria-label": this.labels.labelMatchAll, "data-match": "" }, [
      el("option", { value: "all", text: this.labels.labelMatchAll }),
      el("option", { value: "any", text: this.labels.labelMatchAny }),
    ]);
    match.value = group.match;
    match.addEventListener("change", function () { group.match = match.value; self.changed(); });
    var list = el("div", { "class": "audience__rules" });
    if (!group.rules.length && !parent) list.appendChild(el("p", { "class": "muted", text: this.labels.labelEmpty }));
    group.rules.forEach(function (child, index) {
      list.appendChild(child.rules ? self.renderGroup(child, group, depth + 1) : self.renderCondition(child, group, index));
    });
    var addFilter = el("button", { type: "button", "class": "btn btn--ghost btn--small", "data-add-filter": "",
                                   text: this.labels.labelAddFilter });
    addFilter.addEventListener("click", function () {
      group.rules.push({ field: "", operator: "", value: "" });
      self.render();
      var selects = self.root.querySelectorAll("[data-field]");
      if (selects.length) selects[selects.length - 1].focus();
    });
    var tools = el("div", { "class": "cluster" }, [addFilter]);
    if (depth < 4) {
      var addGroup = el("button", { type: "button", "class": "btn btn--ghost btn--small", "data-add-group": "",
                                    text: this.labels.labelAddGroup });
      addGroup.addEventListener("click", function () {
        group.rules.push({ match: "any", rules: [{ field: "", operator: "", value: "" }] });
        self.render();
      });
      tools.appendChild(addGroup);
    }
    if (parent) {
      var remove = el("button", { type: "button", "class": "btn btn--ghost btn--small", text: this.labels.labelRemove });
      remove.addEventListener("click", function () {
        parent.rules.splice(parent.rules.indexOf(group), 1);
        self.render();
        self.changed();
      });
      tools.appendChild(remove);
    }
    return el("fieldset", { "class": "audience__group" + (parent ? " audience__group--nested" : ""), "data-group": "" },
              [match, list, tools]);
  };

  Builder.prototype.renderCondition = function (condition, group, index) {
    var self = this;
    var fieldSelect = el("select", { "aria-label": this.labels.labelField, "data-field": "" },
                         [el("option", { value: "", text: this.labels.labelChoose })]);
    var groups = {};
    this.schema.fields.forEach(function (field) {
      if (!groups[field.group]) {
        groups[field.group] = el("optgroup", { label: field.group });
        fieldSelect.appendChild(groups[field.group]);
      }
      groups[field.group].appendChild(el("option", { value: field.key, text: field.label }));
    });
    fieldSelect.value = condition.field;
    fieldSelect.addEventListener("change", function () {
      condition.field = fieldSelect.value;
      var ops = self.operatorsFor(self.fields[condition.field]);
      condition.operator = ops.length ? ops[0].key : "";
      condition.value = "";
      self.render();
      self.changed();
    });

    var field = this.fields[condition.field];
    var opSelect = el("select", { "aria-label": this.labels.labelOperator, "data-operator": "" });
    this.operatorsFor(field).forEach(function (op) { opSelect.appendChild(el("option", { value: op.key, text: op.label })); });
    opSelect.value = condition.operator;
    opSelect.addEventListener("change", function () {
      var before = self.operator(condition);
      condition.operator = opSelect.value;
      var after = self.operator(condition);
      if (!before || !after || before.value !== after.value) condition.value = "";
      self.render();
      self.changed();
    });

    var remove = el("button", { type: "button", "class": "btn btn--ghost btn--small", "aria-label": this.labels.labelRemove,
                                "data-remove": "", text: "×" });
    remove.addEventListener("click", function () {
      group.rules.splice(index, 1);
      self.render();
      self.changed();
    });
    return el("div", { "class": "audience__condition cluster", "data-condition": "" },
              [fieldSelect, field ? opSelect : null, this.renderValue(condition, field), remove]);
  };

  Builder.prototype.renderValue = function (condition, field) {
    var self = this;
    var op = this.operator(condition);
    if (!field || !op || op.value === "none") return null;
    var input;
    var choices = null;
    if (op.value === "tag") choices = this.schema.tags.map(function (t) { return [t.id, t.name]; });
    else if (op.value === "segment") choices = this.schema.segments.map(function (s) { return [s.id, s.name]; });
    else if (field.choices && field.choices.length) choices = field.choices;
    if (choices) {
      input = el("select", { "aria-label": this.labels.labelValue, "data-value": "" },
                 [el("option", { value: "", text: this.labels.labelChoose })]);
      choices.forEach(function (choice) { input.appendChild(el("option", { value: String(choice[0]), text: choice[1] })); });
      input.value = condition.value === "" ? "" : String(condition.value);
    } else {
      var type = { number: "number", days: "number", count: "number", date: "date" }[op.value] || "text";
      input = el("input", { type: type, "aria-label": this.labels.labelValue, "data-value": "" });
      if (op.value === "days" || op.value === "count") { input.min = "0"; input.step = "1"; }
      input.value = condition.value === "" ? "" : condition.value;
    }
    var numeric = ["number", "days", "count", "tag", "segment"].indexOf(op.value) !== -1;
    input.addEventListener(input.tagName === "SELECT" ? "change" : "input", function () {
      if (input.value === "") condition.value = "";
      else condition.value = numeric ? Number(input.value) : input.value;
      self.changed();
    });
    var unit = op.value === "days" ? this.labels.labelDays : op.value === "count" ? this.labels.labelTimes : "";
    return unit ? el("span", { "class": "cluster" }, [input, el("span", { "class": "muted", text: unit })]) : input;
  };

  function start(scope) {
    (scope || document).querySelectorAll("[data-audience-builder]").forEach(function (root) {
      if (!root.dataset.started) { root.dataset.started = "1"; new Builder(root); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { start(document); });
  document.addEventListener("htmx:load", function (event) { start(event.target); });

  // "Tick everyone on the page" for the bulk actions.
  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-tick-all]");
    if (!all) return;
    document.querySelectorAll("input[name=contact][form='" + all.dataset.tickAll + "']").forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
