// "Copy" buttons beside the bank transfer's account, amount and note (shown only where the
// browser can copy); the button says "Copied" for two seconds.
if (navigator.clipboard) {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = button.dataset.done;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
}
