// A failed form's summary (templates/_form_errors.html): focus its heading on load, so a
// phone and a screen reader land on it; a tap on one of its links scrolls to that field's
// label and puts the cursor in the field (or a radio group's first choice).
(function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) return;
  var heading = summary.querySelector("h2");
  if (heading && document.activeElement !== heading) heading.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-field]");
    if (!link) return;
    var field = document.getElementById(link.dataset.field);
    if (!field) return;
    if (!field.matches("input, select, textarea, button")) {
      field = field.querySelector("input, select, textarea, button") || field;
    }
    event.preventDefault();
    var label = document.querySelector('label[for="' + field.id + '"]') || field;
    label.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
    history.replaceState(null, "", "#" + link.dataset.field);
  });
})();
