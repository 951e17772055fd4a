/* payserv checkout SDK (DESIGN §4a).
 *
 *   <script src="https://payserv.example/checkout.js"></script>
 *   new PaymentGateway({key: "key_…", orderId: "order_…",
 *                       onSuccess: function (data) {}, onFailure: function (data) {},
 *                       onClose: function () {}}).open();
 *
 * The modal holds an iframe on <payserv>/checkout?order_id=…&embedded=true, payserv being
 * the origin this script was loaded from; only messages from that origin are believed.
 */
(function (window, document) {
  "use strict";
  var script = document.currentScript;  // only set while this file first runs
  var ORIGIN = new URL(script && script.src ? script.src : window.location.href).origin;
  var STYLE_ID = "payserv-checkout-style";
  var CSS =
    ".payserv-modal{position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;" +
    "justify-content:center;background:rgba(15,23,42,.55)}" +
    ".payserv-modal-box{position:relative;width:min(440px,100vw);height:min(680px,100vh);" +
    "background:#f4f6fb;border-radius:14px;overflow:hidden;box-shadow:0 20px 50px rgba(0,0,0,.3)}" +
    "@media (max-width:480px){.payserv-modal-box{width:100vw;height:100vh;border-radius:0}}" +
    ".payserv-modal iframe{width:100%;height:100%;border:0;display:block}" +
    ".payserv-modal-close{position:absolute;top:8px;right:8px;width:36px;height:36px;" +
    "border:0;padding:0;margin:0;border-radius:50%;background:#fff;color:#1f2328;font:22px/36px sans-serif;" +
    "cursor:pointer;box-shadow:0 1px 4px rgba(0,0,0,.2)}";

  function noop() {}

  function addStyle() {
    if (document.getElementById(STYLE_ID)) { return; }
    var style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  function PaymentGateway(options) {
    options = options || {};
    if (!options.key) { throw new Error("PaymentGateway: key is required"); }
    if (!options.orderId) { throw new Error("PaymentGateway: orderId is required"); }
    this.options = options;
    this.modal = null;
    this.iframe = null;
    this._onMessage = this._handleMessage.bind(this);
  }

  PaymentGateway.prototype.open = function () {
    if (this.modal) { return; }
    addStyle();
    var modal = document.createElement("div");
    modal.className = "payserv-modal";
    modal.setAttribute("data-test-id", "payment-modal");
    modal.setAttribute("role", "dialog");
    modal.setAttribute("aria-modal", "true");
    modal.setAttribute("aria-label", "Payment");
    var box = document.createElement("div");
    box.className = "payserv-modal-box";
    var iframe = document.createElement("iframe");
    iframe.setAttribute("data-test-id", "payment-iframe");
    iframe.title = "Payment";
    iframe.src = ORIGIN + "/checkout?order_id=" + encodeURIComponent(this.options.orderId) +
      "&embedded=true";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "payserv-modal-close";
    close.setAttribute("data-test-id", "close-modal-button");
    close.setAttribute("aria-label", "Close");
    close.textContent = "\u00d7";
    var self = this;
    close.addEventListener("click", function () { self._closeByUser(); });
    box.appendChild(iframe);
    box.appendChild(close);
    modal.appendChild(box);
    document.body.appendChild(modal);
    this.modal = modal;
    this.iframe = iframe;
    window.addEventListener("message", this._onMessage);
  };

  PaymentGateway.prototype.close = function () {
    window.removeEventListener("message", this._onMessage);
    if (this.modal && this.modal.parentNode) { this.modal.parentNode.removeChild(this.modal); }
    this.modal = null;
    this.iframe = null;
  };

  PaymentGateway.prototype._closeByUser = function () {
    this.close();
    (this.options.onClose || noop)();
  };

  PaymentGateway.prototype._handleMessage = function (event) {
    // Only payserv's checkout in our own iframe may report an outcome.
    if (event.origin !== ORIGIN || !this.iframe || event.source !== this.iframe.contentWindow) {
      return;
    }
    var message = event.data || {};
    if (message.type === "payment_success") {
      (this.options.onSuccess || noop)(message.data);
    } else if (message.type === "payment_failed") {
      (this.options.onFailure || noop)(message.data);
    } else if (message.type === "close_modal") {
      this._closeByUser();
    }
  };

  window.PaymentGateway = PaymentGateway;
})(window, document);
