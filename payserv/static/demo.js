/* The demo shop (GET /demo): opens the SDK on the order the server just created. */
(function () {
  "use strict";
  var shop = document.getElementById("demo-shop");
  var result = document.getElementById("demo-result");
  function say(text) { result.textContent = text; }
  document.getElementById("demo-pay-button").addEventListener("click", function () {
    var checkout = new window.PaymentGateway({
      key: shop.getAttribute("data-key"),
      orderId: shop.getAttribute("data-order-id"),
      onSuccess: function (data) { say("Paid: " + data.paymentId); },
      onFailure: function (data) { say("Payment " + data.paymentId + " failed; you can try again."); },
      onClose: function () { if (!result.textContent) { say("Checkout closed."); } }
    });
    checkout.open();
  });
})();
