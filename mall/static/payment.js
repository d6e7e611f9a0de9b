/* The payment page's card form (mall/templates/payments/pay.html).
 *
 * Stripe.js (or localstripe's stand-in for it) draws the card element; on submit the card
 * becomes a payment method id (createPaymentMethod, or with a Stripe.js that lacks it, the
 * card of createToken), which alone is posted with the form: no card number reaches the
 * mall. The texts come from the form's data-msg-* attributes, in the page's language.
 */
(function () {
  'use strict';
  var form = document.getElementById('card-form');
  if (!form) { return; }
  var errors = document.getElementById('card-errors');
  var button = form.querySelector('button[type=submit]');
  var field = form.elements.namedItem('payment_method');

  function say(text) { errors.textContent = text || ''; }

  if (typeof window.Stripe !== 'function') {
    say(form.dataset.msgUnavailable);
    button.disabled = true;
    return;
  }
  var stripe = window.Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create('card');
  card.mount('#card-element');
  var touched = false;
  card.on('change', function () { touched = true; say(''); });

  function paymentMethodId() {
    var viaMethod = stripe.createPaymentMethod
      ? Promise.resolve(stripe.createPaymentMethod({type: 'card', card: card}))
      : Promise.resolve(undefined);
    return viaMethod.then(function (result) {
      if (result && result.error) { throw result.error; }
      if (result && result.paymentMethod) { return result.paymentMethod.id; }
      return stripe.createToken(card).then(function (tokenResult) {
        if (!tokenResult || tokenResult.error || !tokenResult.token) {
          throw (tokenResult && tokenResult.error) || new Error('no token');
        }
        var token = tokenResult.token;
        return (token.card && token.card.id) || token.id;
      });
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!touched) { say(form.dataset.msgMissing); return; }
    button.disabled = true;
    say(form.dataset.msgWorking);
    paymentMethodId().then(function (id) {
      field.value = id;
      form.submit();
    }).catch(function (error) {
      var detail = error && error.message ? ' (' + error.message + ')' : '';
      say(form.dataset.msgFailed + detail);
      button.disabled = false;
    });
  });
}());
