// Fill the pledge amount from the chosen tier's price when the amount is blank
// (the server does the same if it is still blank on save).
(function () {
  "use strict";
  var tier = document.getElementById("id_tier");
  var amount = document.getElementById("id_amount");
  if (!tier || !amount || !amount.dataset.tierPrices) { return; }
  var prices = {};
  amount.dataset.tierPrices.split(",").forEach(function (pair) {
    var bits = pair.split(":");
    if (bits.length === 2) { prices[bits[0]] = bits[1]; }
  });
  var filled = "";
  tier.addEventListener("change", function () {
    var price = prices[tier.value];
    if (price && (amount.value === "" || amount.value === filled)) {
      amount.value = price;
      filled = price;
    }
  });
})();
