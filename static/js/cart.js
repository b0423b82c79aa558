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
