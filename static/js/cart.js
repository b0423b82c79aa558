// Add to cart without reloading the page; without JavaScript the form posts normally.
document.querySelectorAll("form[data-add-to-cart]").forEach(function (form) {
  var result = form.querySelector(".add-result");
  form.addEventListener("submit", function (event) {
    if (!window.fetch) return;
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        result.textContent = data.message || "";
        result.className = "add-result " + (data.ok ? "ok" : "error");
        if (data.ok) {
          var badge = document.querySelector("[data-testid=cart-count]");
          if (badge) badge.textContent = data.count;
        }
      })
      .catch(function () { form.submit(); });
  });
});
// The product page: the price follows the chosen pack; − and + beside a quantity box.
document.querySelectorAll("select[name=variant_id]").forEach(function (select) {
  var form = select.form;
  select.addEventListener("change", function () {
    var price = select.selectedOptions[0] && select.selectedOptions[0].dataset.price;
    if (!price) return;
    document.querySelectorAll("[data-price]").forEach(function (el) {
      if (el.tagName !== "OPTION" && (el.closest("form") === form || !el.closest("form"))) el.textContent = price;
    });
  });
});
document.querySelectorAll("[data-stepper]").forEach(function (stepper) {
  var input = stepper.querySelector("input");
  stepper.querySelectorAll("button[data-step]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var value = (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10);
      var low = parseInt(input.min || "0", 10), high = parseInt(input.max || "99", 10);
      input.value = Math.min(Math.max(value, low), high);
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
  if (stepper.hasAttribute("data-submit")) {
    var update = input.form.querySelector("[data-update]");
    if (update) update.classList.add("visually-hidden");
    input.addEventListener("change", function () { input.form.submit(); });
  }
});
