// Address forms: when the province changes, load its wards into the second list.
// Without JavaScript the form still works: the ward list follows the province on submit.
document.querySelectorAll("[data-address]").forEach(function (box) {
  var base = box.getAttribute("data-wards-url");
  var selects = box.querySelectorAll("select");
  var province = selects[0], ward = selects[1];
  if (!province || !ward) return;
  province.addEventListener("change", function () {
    var first = ward.options[0];
    ward.length = 0;
    ward.appendChild(first);
    if (!province.value) return;
    fetch(base + province.value, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) {
        items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.code;
          option.textContent = item.name;
          ward.appendChild(option);
        });
      });
  });
});
