/*
 * gmo-sandbox token.js: GMO's browser tokenisation API ("トークン決済 v1"), answered by the
 * sandbox that serves this file. A page switches between GMO and the sandbox by the script URL
 * alone:
 *
 *   Multipayment.init("tshop00000001");
 *   Multipayment.getToken({cardno: "4111111111111111", expire: "202812",
 *                          securitycode: "123", holdername: "TARO YAMADA"}, "onToken");
 *
 * The callback is a function or the name of a global function; without one, getToken returns a
 * Promise. It receives {resultCode, tokenObject: {token, toBeExpiredAt, maskedCardNo,
 * isSecurityCodeSet}}; resultCode "000" is success, any other is GMO's token.js error code
 * (validation is the sandbox's, so the codes are the same wherever the page runs).
 */
(function (global) {
  "use strict";

  var SCRIPT_PATH = /\/ext\/js\/token\.js$/;
  // GMO's "internal system error": what the page gets when the sandbox cannot be reached.
  var UNREACHABLE = "901";

  // The sandbox is wherever this script came from; read now, as currentScript is only set
  // while the script runs.
  function sandboxBase() {
    var script = document.currentScript;
    if (!script) {
      var scripts = document.getElementsByTagName("script");
      for (var i = scripts.length - 1; i >= 0 && !script; i--) {
        if (SCRIPT_PATH.test(scripts[i].src.split(/[?#]/)[0])) {
          script = scripts[i];
        }
      }
    }
    return script ? script.src.split(/[?#]/)[0].replace(SCRIPT_PATH, "") : "";
  }

  var tokenUrl = sandboxBase() + "/sandbox/tokens";
  var shopId = "";

  function formBody(card) {
    var fields = {
      cardno: card.cardno,
      expire: card.expire,
      securitycode: card.securitycode,
      holdername: card.holdername,
      tokennumber: card.tokennumber,
      shopid: shopId
    };
    var parts = [];
    for (var key in fields) {
      var value = fields[key];
      if (Object.prototype.hasOwnProperty.call(fields, key) && value !== undefined && value !== null) {
        parts.push(key + "=" + encodeURIComponent(String(value)));
      }
    }
    return parts.join("&");
  }

  function post(card, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", tokenUrl, true);
    xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) {
        return;
      }
      var result = null;
      if (xhr.status === 200) {
        try {
          result = JSON.parse(xhr.responseText);
        } catch (e) {
          result = null;
        }
      }
      done(result && typeof result.resultCode === "string" ? result : {resultCode: UNREACHABLE});
    };
    xhr.send(formBody(card || {}));
  }

  function resolveCallback(callback) {
    return typeof callback === "string" ? global[callback] : callback;
  }

  global.Multipayment = {
    init: function (apiKey) {
      shopId = apiKey === undefined || apiKey === null ? "" : String(apiKey);
    },

    getToken: function (card, callback) {
      if (callback === undefined || callback === null) {
        if (typeof Promise === "undefined") {
          throw new Error("Multipayment.getToken needs a callback");
        }
        return new Promise(function (resolve) {
          post(card, resolve);
        });
      }
      post(card, function (result) {
        var fn = resolveCallback(callback);
        if (typeof fn !== "function") {
          throw new Error("Multipayment.getToken: no callback function " + String(callback));
        }
        fn(result);
      });
    }
  };
})(this);
