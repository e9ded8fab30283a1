/*
 * The shop's card form. The card fields have no name and are in no form: this script hands them
 * to GMO's token.js (Multipayment.getToken), which sends them to the payment gateway and answers
 * a one-time token. Only the token (or a saved card's number) is sent to the shop, as JSON with
 * the session's CSRF token in a header.
 *
 * #card-form data attributes: action (where to POST), done (where to go once paid or saved;
 * "{order_id}" is filled in), shop-id (Multipayment.init), csrf.
 *
 * On the cards page, "Make default" PUTs /payments/cards/{seq}/default, and "Replace" points the
 * same card form at PUT /payments/cards/{seq} (the new card's token replaces the saved one).
 */
(function () {
  "use strict";

  var root = document.getElementById("card-form");
  var csrf = root ? root.getAttribute("data-csrf") : "";

  function byId(id) {
    return document.getElementById(id);
  }

  function post(url, method, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRF-Token": csrf}
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) {
        return {};
      }
      return response.json().catch(function () {
        return {error: {message: "The shop answered " + response.status + "."}};
      });
    });
  }

  // Deleting a saved card.
  var deletes = document.querySelectorAll("button.delete-card");
  Array.prototype.forEach.call(deletes, function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      post("/payments/cards/" + button.getAttribute("data-card-seq"), "DELETE").then(function () {
        window.location.reload();
      });
    });
  });

  // Making a saved card the default.
  var defaults = document.querySelectorAll("button.make-default");
  Array.prototype.forEach.call(defaults, function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      var url = "/payments/cards/" + button.getAttribute("data-card-seq") + "/default";
      post(url, "PUT").then(function () {
        window.location.reload();
      });
    });
  });

  if (!root) {
    return;
  }
  var submit = byId("card-submit");
  var error = byId("card-error");
  var action = root.getAttribute("data-action");
  var method = "POST";
  var done = root.getAttribute("data-done");

  // Replacing a saved card: the same form, sent to the card's own route.
  var replaces = document.querySelectorAll("button.replace-card");
  Array.prototype.forEach.call(replaces, function (button) {
    button.addEventListener("click", function () {
      var seq = button.getAttribute("data-card-seq");
      action = "/payments/cards/" + seq;
      method = "PUT";
      var title = byId("card-form-title");
      if (title) {
        title.textContent = "Replace card " + seq;
      }
      submit.textContent = "Replace card";
      error.textContent = "";
      byId("card-number").focus();
    });
  });

  function fail(message) {
    error.textContent = message;
    submit.disabled = false;
  }

  // The payment method chosen on a checkout page ("installments:3" is instalments in 3
  // payments); pages without a choice pay in one lump sum.
  function withMethod(body) {
    var select = byId("payment-method");
    if (select) {
      var parts = select.value.split(":");
      body.method = parts[0];
      if (parts.length > 1) {
        body.pay_times = parseInt(parts[1], 10);
      }
    }
    return body;
  }

  function send(body) {
    post(action, method, withMethod(body)).then(function (answer) {
      if (answer.status === "redirect_to") {
        // The issuer's 3-D Secure page: a top-level navigation, exactly GMO's URL.
        window.location.href = answer.url;
      } else if (answer.status === "completed") {
        window.location.href = done.replace("{order_id}", answer.order.order_id);
      } else if (answer.status === "registered") {
        window.location.href = done;
      } else {
        fail(answer.error ? answer.error.message : "The request failed.");
      }
    }, function () {
      fail("The shop could not be reached. Please try again.");
    });
  }

  function field(id) {
    var input = byId(id);
    return input ? input.value.replace(/[\s-]/g, "") : "";
  }

  // The new-card fields only matter when "a new card" is chosen (or there is no choice).
  function chosenSource() {
    var checked = document.querySelector("input[name=source]:checked");
    return checked ? checked.value : "new";
  }

  function showFields() {
    var fields = byId("new-card");
    if (fields) {
      fields.hidden = chosenSource() !== "new";
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[name=source]"), function (radio) {
    radio.addEventListener("change", showFields);
  });
  showFields();

  submit.addEventListener("click", function () {
    submit.disabled = true;
    error.textContent = "";
    var source = chosenSource();
    if (source !== "new") {
      send({card_seq: parseInt(source, 10)});
      return;
    }
    if (typeof Multipayment === "undefined") {
      fail("The payment script did not load.");
      return;
    }
    Multipayment.init(root.getAttribute("data-shop-id"));
    Multipayment.getToken({
      cardno: field("card-number"),
      expire: field("card-expiry"),
      securitycode: field("card-cvc"),
      holdername: byId("card-holder").value.trim()
    }, function (result) {
      if (!result || result.resultCode !== "000") {
        fail("The card details were not accepted (code " + (result ? result.resultCode : "?") + ").");
        return;
      }
      var token = result.tokenObject.token;
      send({token: Array.isArray(token) ? token[0] : token});
    });
  });
})();
