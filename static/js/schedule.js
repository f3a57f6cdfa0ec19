// The installment schedule typed by hand: 添加一期 adds a row (the formset's empty form),
// 移除 takes one out (a saved row is marked for deletion), and the running total of the
// rows against the contract amount, with the remainder, follows every keystroke.
// Amounts are counted in cents (integers): no floating-point money.
(function () {
  var form = document.getElementById("schedule-form");
  if (!form) return;
  var body = form.querySelector("#schedule-rows");
  var template = document.getElementById("schedule-empty-row");
  var totalForms = form.querySelector("input[name$='-TOTAL_FORMS']");
  var contractCents = toCents(form.dataset.contractAmount);
  var totalOut = document.getElementById("schedule-live-total");
  var remainderOut = document.getElementById("schedule-remainder");
  var stateOut = document.getElementById("schedule-state");

  function toCents(text) {
    var value = String(text || "").replace(/[,\s，]/g, "");
    if (!/^\d+(\.\d{0,2})?$/.test(value)) return null;
    var parts = value.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  function show(cents) {
    var negative = cents < 0;
    cents = Math.abs(cents);
    var yuan = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + yuan + "." + String(cents % 100).padStart(2, "0");
  }

  function rowCents(row) {
    var amount = row.querySelector("input[name$='-planned_amount']");
    var percent = row.querySelector("input[name$='-percent']");
    var cents = amount ? toCents(amount.value) : null;
    if (cents !== null) return cents;
    var share = percent ? toCents(percent.value) : null; // hundredths of a percent
    if (share === null || contractCents === null) return 0;
    return Math.round((contractCents * share) / 10000);
  }

  function live(row) {
    var deleted = row.querySelector("input[name$='-DELETE']");
    return !row.hidden && !(deleted && deleted.checked);
  }

  function update() {
    var total = 0;
    body.querySelectorAll("tr.schedule-row").forEach(function (row) {
      if (live(row)) total += rowCents(row);
    });
    totalOut.textContent = show(total);
    var remainder = contractCents - total;
    remainderOut.textContent = show(remainder);
    stateOut.className = remainder === 0 ? "text-success" : "text-danger";
    stateOut.textContent = remainder === 0 ? stateOut.dataset.equal
      : remainder > 0 ? stateOut.dataset.short : stateOut.dataset.over;
  }

  function nextNumber() {
    var highest = 0;
    body.querySelectorAll("tr.schedule-row").forEach(function (row) {
      var number = row.querySelector("input[name$='-number']");
      if (live(row) && number && parseInt(number.value, 10) > highest) highest = parseInt(number.value, 10);
    });
    return highest + 1;
  }

  document.getElementById("schedule-add").addEventListener("click", function () {
    var index = parseInt(totalForms.value, 10);
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.querySelector("tr");
    body.appendChild(row);
    totalForms.value = String(index + 1);
    var number = row.querySelector("input[name$='-number']");
    if (number) number.value = String(nextNumber());
    // The remainder is what the new row most likely takes.
    var amount = row.querySelector("input[name$='-planned_amount']");
    var remainder = toCents(remainderOut.textContent);
    if (amount && remainder !== null && remainder > 0) amount.value = (remainder / 100).toFixed(2);
    update();
    if (amount) amount.focus();
  });

  body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = button.closest("tr");
    var deleted = row.querySelector("input[name$='-DELETE']");
    if (deleted) deleted.checked = true;
    row.hidden = true;
    update();
  });

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
