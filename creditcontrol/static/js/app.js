// The pages' small behaviours, kept out of the templates: the Content-Security-Policy (creditcontrol/headers.py)
// runs no inline <script> and no inline event handler (onclick=, onchange=). Every listener sits on the
// document, so markup that htmx swaps in later behaves the same as the page it first loaded with.
"use strict";

document.addEventListener("change", (event) => {
  const target = event.target;
  if (!(target instanceof Element)) return;

  // base.html: the company switcher goes straight to the chosen tenant.
  if (target.matches("select[data-switch-tenant]")) {
    window.location = "/t/" + encodeURIComponent(target.value) + "/";
    return;
  }
  // dashboard.html: the branch select applies itself.
  if (target.matches("select[data-submit-on-change]") && target.form) {
    target.form.submit();
    return;
  }
  // interactions/_entry_fields.html: "Full amount" disables the amount field it names.
  if (target.matches("input[type=checkbox][data-disables]")) {
    const other = document.getElementById(target.dataset.disables);
    if (other) other.disabled = target.checked;
  }
});

document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof Element)) return;

  // credit_list.html, balance_due.html: a box that ticks or clears every box of the name it names.
  const selectAll = target.closest("input[type=checkbox][data-select-all]");
  if (selectAll) {
    document
      .querySelectorAll(`input[name="${CSS.escape(selectAll.dataset.selectAll)}"]`)
      .forEach((box) => { box.checked = selectAll.checked; });
    return;
  }

  // credit_list.html: "Create interaction" for the ticked customers.
  const create = target.closest("button[data-create-interaction]");
  if (create) {
    const ids = [...document.querySelectorAll("input[name=customers]:checked")].map(
      (box) => "customers=" + encodeURIComponent(box.value),
    );
    if (!ids.length) {
      window.alert("Tick the customers to contact first.");
      return;
    }
    window.location = create.dataset.url + "?" + ids.join("&");
    return;
  }

  // credit_list.html: a click on a row (not on its links, boxes or buttons) opens its fact box. htmx would
  // filter the click itself with `click[...]`, but that filter is evaluated JavaScript, which the policy
  // refuses; the row listens for this event instead (hx-trigger="open-factbox").
  const row = target.closest("tr[data-factbox-row]");
  if (row && !target.closest("a, input, button")) {
    row.dispatchEvent(new CustomEvent("open-factbox"));
  }
});

// interactions/create.html, todo_form.html: a live "n/250" under a text input that carries
// data-char-counter (the counter element is rendered with the page: data-counts="<the input's id>").
// Counted in characters (code points), as the server's max_length counts them.
document.addEventListener("input", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)) return;
  if (!target.hasAttribute("data-char-counter") || !target.id) return;
  const counter = document.querySelector(`[data-counts="${CSS.escape(target.id)}"]`);
  if (!counter) return;
  const max = Number(target.dataset.charCounter || target.maxLength);
  const used = [...target.value].length;
  counter.textContent = `${used}/${max}`;
  counter.classList.toggle("near", used >= max * 0.9 && used < max);
  counter.classList.toggle("full", used >= max);
});
