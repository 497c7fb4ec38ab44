// The self-service terminal: the on-screen keypad fills whichever field has
// the focus; on the record page a countdown signs the person out after the
// idle limit (data-idle, seconds); the print view prints the certificate.
// Served as /static/kiosk.js.
(function () {
  var field = document.getElementById('id_number');
  document.querySelectorAll('input').forEach(function (i) {
    i.addEventListener('focus', function () { field = i; });
  });
  document.querySelectorAll('.keys button').forEach(function (b) {
    b.addEventListener('click', function () {
      if (!field) return;
      var k = b.dataset.key;
      if (k === 'del') field.value = field.value.slice(0, -1);
      else if (field.value.length < Number(field.maxLength > 0 ? field.maxLength : 32)) field.value += k;
      field.focus();
    });
  });
  // The print view: the certificate's frame goes to the printer once it
  // has loaded (or after 3 s if the PDF viewer never says so).
  var cert = document.getElementById('cert');
  if (cert) {
    var printed = false;
    var print = function () {
      if (printed) return;
      printed = true;
      try { cert.contentWindow.print(); } catch (e) { window.print(); }
      document.body.dataset.printed = 'yes';
    };
    cert.addEventListener('load', print);
    setTimeout(print, 3000);
  }
  var left = document.getElementById('left');
  if (left) {
    var idle = Number(left.dataset.idle) || 60;
    var n = idle;
    var reset = function () { n = idle; };
    ['click', 'keydown', 'touchstart', 'scroll', 'mousemove'].forEach(function (e) {
      document.addEventListener(e, reset, { passive: true });
    });
    setInterval(function () {
      n -= 1;
      left.textContent = n;
      if (n <= 0) document.getElementById('exit').submit();
    }, 1000);
  }
})();
