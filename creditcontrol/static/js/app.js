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

// credit_list.html: the credit list as a working screen. Customer number and name (and the row's box) are
// sticky columns: each one's left offset is the widths of the pinned columns before it, measured here
// because the widths follow the data. On load the table's box scrolls to the sorted column's header, so
// the figure the list is sorted by is in view beside the customer's name.
function creditListPin() {
  const table = document.getElementById("credit-list");
  const box = document.getElementById("credit-list-scroll");
  if (!table || !box) return;
  const heads = [...table.querySelectorAll("thead th.pin")];
  let left = 0;
  heads.forEach((th, i) => {
    const column = th.cellIndex;
    table.querySelectorAll(`tr > :nth-child(${column + 1})`).forEach((cell) => {
      if (!cell.classList.contains("pin")) return;
      cell.style.left = left + "px";
      cell.classList.toggle("pin-last", i === heads.length - 1);
    });
    left += th.getBoundingClientRect().width;
  });
  const sorted = box.dataset.sorted && table.querySelector(`thead th[data-column="${CSS.escape(box.dataset.sorted)}"]`);
  if (sorted && !sorted.classList.contains("pin")) {
    const end = table.querySelector("thead th.pin-end");
    const visible = box.clientWidth - left - (end ? end.getBoundingClientRect().width : 0);
    const start = sorted.offsetLeft - left;
    if (sorted.offsetLeft < box.scrollLeft + left || sorted.offsetLeft + sorted.offsetWidth > box.scrollLeft + left + visible) {
      box.scrollLeft = Math.max(0, start - Math.max(0, (visible - sorted.offsetWidth) / 2));
    }
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", creditListPin);
else creditListPin();

// The fact boxes drawer: opens when htmx has put a customer's fact boxes in it; closes with its button or
// Escape. The chosen row is marked, and up/down move the choice (loading the next row's fact boxes);
// Enter opens the chosen customer's card.
function creditListChoose(row) {
  document.querySelectorAll("#credit-list tr.selected").forEach((r) => r.classList.remove("selected"));
  row.classList.add("selected");
  row.scrollIntoView({ block: "nearest" });
  row.dispatchEvent(new CustomEvent("open-factbox"));
}

function creditListCloseDrawer() {
  const drawer = document.getElementById("factbox");
  if (drawer && !drawer.hidden) {
    drawer.hidden = true;
    drawer.replaceChildren();
  }
}

// The drawer sits below the top bar: from the bar's bottom edge while it is in view, from the window's
// top once the page has scrolled it away.
function drawerPlace() {
  const drawer = document.getElementById("factbox");
  const bar = document.querySelector(".topbar");
  if (!drawer || drawer.hidden || !bar) return;
  drawer.style.top = `${Math.max(0, Math.round(bar.getBoundingClientRect().bottom))}px`;
}

document.addEventListener("htmx:afterSwap", (event) => {
  const drawer = document.getElementById("factbox");
  if (drawer && event.target === drawer) {
    drawer.hidden = false;
    drawerPlace();
  }
});
window.addEventListener("scroll", drawerPlace, { passive: true });
window.addEventListener("resize", drawerPlace);

document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof Element)) return;
  if (target.closest("[data-close-drawer]")) {
    creditListCloseDrawer();
    return;
  }
  const row = target.closest("tr[data-factbox-row]");
  if (row && !target.closest("a, input, button")) {
    document.querySelectorAll("#credit-list tr.selected").forEach((r) => r.classList.remove("selected"));
    row.classList.add("selected");
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    creditListCloseDrawer();
    return;
  }
  const table = document.getElementById("credit-list");
  if (!table || event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  if (target instanceof Element && target.closest("input, select, textarea, button, a, summary, [contenteditable]")) return;
  const rows = [...table.querySelectorAll("tbody tr[data-factbox-row]")];
  if (!rows.length) return;
  const current = table.querySelector("tbody tr.selected");
  const at = current ? rows.indexOf(current) : -1;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const next = event.key === "ArrowDown" ? Math.min(at + 1, rows.length - 1) : Math.max(at - 1, 0);
    creditListChoose(rows[next]);
  } else if (event.key === "Enter" && current && current.dataset.card) {
    event.preventDefault();
    window.location = current.dataset.card;
  }
});
