// Address forms: when the province changes, load its wards into the second list.
// Without JavaScript the form still works: the ward list follows the province on submit.
// A search box (where the page has one) narrows the ward list, accents or not ("ben nghe").
function plainText(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase();
}
document.querySelectorAll("[data-address]").forEach(function (box) {
  var base = box.getAttribute("data-wards-url");
  var selects = box.querySelectorAll("select");
  var province = selects[0], ward = selects[1];
  if (!province || !ward) return;
  var filterBox = box.querySelector("[data-ward-filter]");
  var filter = filterBox && filterBox.querySelector("input");
  var first = ward.options[0];
  var all = Array.prototype.slice.call(ward.options, 1);
  function show(items) {
    var chosen = ward.value;
    ward.length = 0;
    ward.appendChild(first);
    items.forEach(function (option) { ward.appendChild(option); });
    ward.value = chosen;
    if (!ward.value && items.length === 1) ward.value = items[0].value;
    if (ward.selectedIndex < 0) ward.selectedIndex = 0;
  }
  if (filter) {
    filterBox.hidden = false;
    filter.addEventListener("input", function () {
      var words = plainText(filter.value).split(/\s+/).filter(Boolean);
      show(all.filter(function (option) {
        var name = plainText(option.textContent);
        return words.every(function (word) { return name.indexOf(word) >= 0; });
      }));
    });
  }
  province.addEventListener("change", function () {
    all = [];
    if (filter) filter.value = "";
    show(all);
    if (!province.value) return;
    fetch(base + province.value, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) {
        all = items.map(function (item) {
          var option = document.createElement("option");
          option.value = item.code;
          option.textContent = item.name;
          return option;
        });
        show(all);
      });
  });
});
