// The card form on the order page: Stripe.js Elements, then confirmCardPayment.
// Stripe's webhook marks the order paid; until then the page says "processing" and reloads
// itself a few times. The other ways to pay stay on the page whatever happens here.
(function () {
  var box = document.getElementById("card-element");
  var button = document.getElementById("card-pay");
  var message = document.getElementById("card-message");
  if (!box || !button || !message) return;
  var vi = document.documentElement.lang !== "en";
  var TEXT = vi ? {
    unavailable: "Chưa tải được ô nhập thẻ. Bạn có thể chuyển khoản hoặc trả tiền khi nhận hàng.",
    processing: "Đang xử lý thanh toán…",
    slow: "Thanh toán đang được xác nhận lâu hơn thường lệ. Vui lòng tải lại trang sau ít phút.",
  } : {
    unavailable: "The card form could not load. You can pay by bank transfer or cash on delivery.",
    processing: "Processing your payment…",
    slow: "Confirming the payment takes longer than usual. Please reload this page in a few minutes.",
  };
  var MAX_RELOADS = 20;
  var waitKey = "card-wait:" + location.pathname;

  function waitForWebhook() {
    button.hidden = true;
    var reloads = Number(sessionStorage.getItem(waitKey) || 0);
    if (reloads >= MAX_RELOADS) {
      message.textContent = TEXT.slow;
      return;
    }
    message.textContent = TEXT.processing;
    sessionStorage.setItem(waitKey, String(reloads + 1));
    setTimeout(function () { location.assign(box.getAttribute("data-return-url")); }, 3000);
  }

  if (typeof Stripe === "undefined") {
    message.textContent = TEXT.unavailable;
    button.hidden = true;
    return;
  }
  var secret = box.getAttribute("data-client-secret");
  var stripe = Stripe(box.getAttribute("data-publishable-key"), { locale: vi ? "vi" : "en" });
  var card = stripe.elements().create("card");
  card.mount(box);

  stripe.retrievePaymentIntent(secret).then(function (result) {
    var status = result.paymentIntent && result.paymentIntent.status;
    if (status === "succeeded" || status === "processing") waitForWebhook();
  });

  button.addEventListener("click", function () {
    button.disabled = true;
    message.textContent = TEXT.processing;
    stripe.confirmCardPayment(secret, { payment_method: { card: card } }).then(function (result) {
      if (result.error) {
        message.textContent = result.error.message;
        button.disabled = false;
      } else {
        waitForWebhook();
      }
    });
  });
})();
