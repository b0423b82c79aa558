// Header search box: suggestions from /search/suggest as the visitor types.
// Without JavaScript the box still submits to /search.
(function () {
  var input = document.getElementById("header-q");
  if (!input || !window.fetch) return;
  var box = input.form;
  var list = document.createElement("ul");
  list.className = "suggestions";
  list.id = "header-q-suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  box.appendChild(list);
  input.setAttribute("autocomplete", "off");
  input.setAttribute("aria-controls", list.id);
  var timer = null, active = -1, latest = "";

  function close() { list.hidden = true; active = -1; }
  function links() { return list.querySelectorAll("a"); }
  function mark(index) {
    var items = links();
    items.forEach(function (a, i) { a.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
  }
  function show(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.setAttribute("role", "option");
      a.setAttribute("data-kind", item.kind);
      a.textContent = item.name;
      if (item.kind === "producer") {
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = list.getAttribute("data-producer-label") || "";
        a.appendChild(kind);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    active = -1;
  }
  list.setAttribute("data-producer-label", input.getAttribute("data-producer-label") || "");
  input.addEventListener("input", function () {
    var q = input.value.trim();
    clearTimeout(timer);
    if (q.length < 2) { close(); return; }
    timer = setTimeout(function () {
      latest = q;
      fetch("/search/suggest?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (data.query === latest) show(data.suggestions); })
        .catch(close);
    }, 120);
  });
  input.addEventListener("keydown", function (event) {
    var items = links();
    if (list.hidden || !items.length) return;
    if (event.key === "ArrowDown") { event.preventDefault(); mark((active + 1) % items.length); }
    else if (event.key === "ArrowUp") { event.preventDefault(); mark((active - 1 + items.length) % items.length); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); window.location = items[active].href; }
    else if (event.key === "Escape") { close(); }
  });
  document.addEventListener("click", function (event) { if (!box.contains(event.target)) close(); });
})();
// Filters start folded (on a phone the results come first, and nothing moves once the page is
// drawn); on a wide screen they open in their side column, beside the results (no shift there).
// Without JavaScript the "Filters" heading opens them, on any screen.
if (window.matchMedia && window.matchMedia("(min-width: 900px)").matches) {
  document.querySelectorAll("details.filters-toggle:not([open])").forEach(function (box) {
    box.setAttribute("open", "");
  });
}
