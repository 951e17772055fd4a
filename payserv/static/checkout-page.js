/* The hosted checkout page (DESIGN §4a): pay, poll until final, tell the parent window. */
(function () {
  "use strict";
  var root = document.querySelector('[data-test-id="checkout-container"]');
  if (!root) { return; }
  var orderId = root.getAttribute("data-order-id");
  var embedded = root.getAttribute("data-embedded") === "true";
  var paySection = document.getElementById("pay-section");
  var forms = { upi: document.getElementById("upi-form"), card: document.getElementById("card-form") };
  var STATES = ["processing", "success", "error"];
  // Polling: 0.5 s, growing by half each time up to 4 s; a payment still pending after
  // two minutes shows the error state (with a retry that resumes polling), never a spinner forever.
  var FIRST_DELAY = 500, MAX_DELAY = 4000, GIVE_UP_MS = 120000;
  var attempt = null;      // {body, key}: one Idempotency-Key per attempt, reused by its retries
  var retryAction = null;  // what the retry button does in the current error state

  function part(name) { return root.querySelector('[data-test-id="' + name + '"]'); }

  function show(which) {
    paySection.hidden = which !== "pay";
    STATES.forEach(function (name) { part(name + "-state").hidden = which !== name; });
  }

  function setPayButtons(enabled) {
    root.querySelectorAll('[data-test-id="pay-button"]').forEach(function (button) {
      button.disabled = !enabled;
    });
  }

  function chooseMethod(method) {
    Object.keys(forms).forEach(function (name) { forms[name].hidden = name !== method; });
    root.querySelectorAll("[data-method]").forEach(function (button) {
      if (button.tagName === "BUTTON") {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-method") === method));
      }
    });
    var first = forms[method].querySelector("input");
    if (first) { first.focus(); }
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);  // also outside secure contexts, unlike randomUUID
    return "checkout_" + Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function value(form, name) { return form.elements[name].value.trim(); }

  function bodyOf(method) {
    var form = forms[method];
    if (method === "upi") { return { order_id: orderId, method: "upi", vpa: value(form, "vpa") }; }
    var expiry = value(form, "expiry").split("/");
    return {
      order_id: orderId,
      method: "card",
      card: {
        number: value(form, "number"),
        expiry_month: (expiry[0] || "").trim(),
        expiry_year: (expiry[1] || "").trim(),
        cvv: value(form, "cvv"),
        holder_name: value(form, "holder_name")
      }
    };
  }

  function tellParent(type, paymentId, status) {
    if (!embedded || window.parent === window) { return; }
    // The data is no secret; the SDK checks that the message comes from payserv's origin.
    window.parent.postMessage(
      { type: type, data: { paymentId: paymentId, orderId: orderId, status: status } }, "*");
  }

  function showError(message, retry) {
    part("error-message").textContent = message;
    retryAction = retry;
    show("error");
  }

  function backToForm() {
    attempt = null;
    setPayButtons(true);
    show("pay");
  }

  function networkError(retry) {
    showError("We could not reach the payment service. Check your connection and try again.", retry);
  }

  function readJson(response) {
    return response.json().then(
      function (body) { return { status: response.status, body: body }; },
      function () { return { status: response.status, body: null }; });
  }

  function send() {
    show("processing");
    fetch("/api/v1/payments/public", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Idempotency-Key": attempt.key },
      body: JSON.stringify(attempt.body)
    }).then(readJson).then(function (result) {
      if (result.status === 201) {
        poll(result.body.id, FIRST_DELAY, Date.now());
      } else if (result.status < 500 && result.body && result.body.error) {
        // Refused (validation, paid order): the key is not kept; the next attempt gets a new one.
        showError(result.body.error.description, backToForm);
      } else {
        networkError(send);  // the same key again: a payment made meanwhile is replayed
      }
    }, function () { networkError(send); });
  }

  function poll(paymentId, delay, started) {
    var again = function () { poll(paymentId, FIRST_DELAY, Date.now()); };
    fetch("/api/v1/payments/" + encodeURIComponent(paymentId) + "/public", { credentials: "omit" })
      .then(readJson).then(function (result) {
        var payment = result.body;
        if (result.status !== 200 || !payment) { networkError(again); return; }
        if (payment.status === "success") {
          part("payment-id").textContent = payment.id;
          show("success");
          tellParent("payment_success", payment.id, payment.status);
        } else if (payment.status === "failed") {
          showError(payment.error_description || "The payment was declined.", backToForm);
          tellParent("payment_failed", payment.id, payment.status);
        } else if (Date.now() - started > GIVE_UP_MS) {
          showError("The payment is still processing. Try again to check its status.", again);
        } else {
          window.setTimeout(function () {
            poll(paymentId, Math.min(delay * 1.5, MAX_DELAY), started);
          }, delay);
        }
      }, function () { networkError(again); });
  }

  function submit(event) {
    event.preventDefault();
    if (attempt !== null) { return; }  // a second click while this attempt runs does nothing
    attempt = { body: bodyOf(event.currentTarget.getAttribute("data-method")), key: newKey() };
    setPayButtons(false);
    send();
  }

  function formatExpiry(event) {
    var digits = event.target.value.replace(/\D/g, "").slice(0, 6);
    event.target.value = digits.length > 2 ? digits.slice(0, 2) + "/" + digits.slice(2) : digits;
  }

  root.querySelectorAll('button[data-method]').forEach(function (button) {
    button.addEventListener("click", function () { chooseMethod(button.getAttribute("data-method")); });
  });
  Object.keys(forms).forEach(function (name) { forms[name].addEventListener("submit", submit); });
  document.getElementById("expiry").addEventListener("input", formatExpiry);
  var done = document.getElementById("done-button");  // embedded only: back to the shop
  if (done) {
    done.addEventListener("click", function () {
      tellParent("close_modal", part("payment-id").textContent || null, "success");
    });
  }
  part("retry-button").addEventListener("click", function () {
    var action = retryAction;
    retryAction = null;
    if (action) { action(); }
  });
})();
